//! The `.leakhound.toml` configuration file: path excludes, rule selection and allowlisted
//! fingerprints. Unknown keys are errors, so a typo never silently disables a setting.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Walking and limits.
    #[serde(default)]
    pub scan: ScanSection,
    /// Rule selection.
    #[serde(default)]
    pub rules: RulesSection,
    /// Accepted findings.
    #[serde(default)]
    pub allowlist: AllowlistSection,
}

/// `[scan]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSection {
    /// Globs of paths to exclude.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Extra directory names to skip.
    #[serde(default)]
    pub skip_dirs: Vec<String>,
    /// Honour .gitignore files.
    pub respect_gitignore: Option<bool>,
    /// Largest file scanned, in bytes.
    pub max_file_size: Option<u64>,
}

/// `[rules]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// Extra rule files or directories (relative to the config file).
    #[serde(default)]
    pub paths: Vec<PathBuf>,
    /// Rule ids to turn off.
    #[serde(default)]
    pub disable: Vec<String>,
    /// When non-empty, only these rule ids run.
    #[serde(default)]
    pub enable: Vec<String>,
}

/// `[allowlist]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSection {
    /// Finding fingerprints that are accepted (never reported).
    #[serde(default)]
    pub fingerprints: Vec<String>,
}

impl Config {
    /// Reads and validates a configuration file; errors name the file and the problem.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("config {}: cannot read", path.display()))?;
        let mut cfg: Config =
            toml::from_str(&text).with_context(|| format!("config {}: invalid", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in &mut cfg.rules.paths {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_the_file_name() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.toml");
        std::fs::write(&p, "[scan]\nexclud = [\"x\"]\n").unwrap();
        let e = format!("{:#}", Config::load(&p).unwrap_err());
        assert!(e.contains("c.toml") && e.contains("exclud"), "{e}");
        std::fs::write(&p, "[scan]\nexclude = [\"x\"]\n[rules]\npaths=[\"r\"]\n").unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.scan.exclude, vec!["x"]);
        assert!(c.rules.paths[0].starts_with(d.path()));
    }
}
