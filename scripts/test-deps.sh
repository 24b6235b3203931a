#!/usr/bin/env bash
# Installs the system packages the test suite uses. Idempotent; retries apt once (the first
# install of some packages fails transiently on this kind of machine).
#   git               git-history tests
#   docker.io         dockerd for the `image docker-daemon:` tests (started by the tests)
#   docker-registry   a real OCI distribution registry on 127.0.0.1 (started by the tests)
#   skopeo            pushes test images into that registry
#   apache2-utils     htpasswd, for the registry's Basic-auth test
#   postgresql        a real PostgreSQL server for the connection-string validation test
#   bsdutils          `script`, a real terminal for the revoke confirmation test
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v dockerd >/dev/null || need+=(docker.io)
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v htpasswd >/dev/null || need+=(apache2-utils)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v script >/dev/null || need+=(bsdutils)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt_install() { apt-get install -y -qq "$@" >/dev/null; }
  apt-get update -qq >/dev/null || true
  apt_install "${need[@]}" || { sleep 2; apt-get update -qq >/dev/null || true; apt_install "${need[@]}"; }
fi
