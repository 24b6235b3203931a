#!/usr/bin/env bash
# Installs the system packages the test suite uses. Idempotent; retries apt once (the first
# install of some packages fails transiently on this kind of machine).
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -qq "$@" >/dev/null; }
  apt-get update -qq >/dev/null || true
  apt_install "${need[@]}" || { sleep 2; apt-get update -qq >/dev/null || true; apt_install "${need[@]}"; }
fi
