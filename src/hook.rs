//! `leakhound install-hook`: writes a git pre-commit hook that blocks commits adding secrets
//! (`leakhound git --staged`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// Marker line identifying a hook leakhound wrote (so it may be replaced without `--force`).
pub const MARKER: &str = "# leakhound pre-commit hook";

/// The hook script; `exe` is used when `leakhound` is not on PATH at commit time.
pub fn script(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\'', "'\\''");
    format!(
        "#!/bin/sh\n{MARKER} (installed by `leakhound install-hook`; bypass once with `git commit --no-verify`)\n\
         LEAKHOUND=${{LEAKHOUND:-'{exe}'}}\n\
         [ -x \"$LEAKHOUND\" ] || LEAKHOUND=leakhound\n\
         exec \"$LEAKHOUND\" git --staged --no-progress --fail-on \"${{LEAKHOUND_FAIL_ON:-any}}\"\n"
    )
}

/// The hooks directory of the repository at `repo` (honours `core.hooksPath`).
pub fn hooks_dir(repo: &Path) -> Result<PathBuf> {
    let r =
        gix::discover(repo).with_context(|| format!("{}: not a git repository", repo.display()))?;
    let configured = r
        .config_snapshot()
        .trusted_path("core.hooksPath")
        .with_context(|| format!("{}: bad core.hooksPath", repo.display()))?;
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => r.workdir().unwrap_or_else(|| r.git_dir()).join(p),
        None => r.git_dir().join("hooks"),
    })
}

/// Installs the hook; refuses to replace a foreign hook unless `force`. Returns its path.
pub fn install(repo: &Path, force: bool) -> Result<PathBuf> {
    let dir = hooks_dir(repo)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let path = dir.join("pre-commit");
    if let Ok(existing) = std::fs::read_to_string(&path)
        && !existing.contains(MARKER)
        && !force
    {
        bail!(
            "{} already exists and was not written by leakhound; use --force to replace it",
            path.display()
        );
    }
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("leakhound"));
    std::fs::write(&path, script(&exe))
        .with_context(|| format!("{}: cannot write", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("{}: cannot make executable", path.display()))?;
    }
    Ok(path)
}
