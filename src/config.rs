//! The `.leakhound.toml` configuration file: path excludes, rule selection and allowlisted
//! fingerprints. Unknown keys are errors, so a typo never silently disables a setting.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::baseline::{GitleaksIgnore, parse_gitleaksignore};
use crate::rules::Rule;

/// The configuration file name discovered at a scan root.
pub const FILE_NAME: &str = ".leakhound.toml";

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
    /// Where the configuration was found (not part of the file).
    #[serde(skip)]
    pub origin: Option<PathBuf>,
    /// Entries of a `.gitleaksignore` found at the scan root (not part of the file).
    #[serde(skip)]
    pub gitleaks_ignore: Vec<GitleaksIgnore>,
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
    /// Largest file or blob scanned, in bytes (0: no limit).
    pub max_file_size: Option<u64>,
    /// Findings kept per file.
    pub max_findings_per_file: Option<usize>,
    /// Nested encodings undone.
    pub decode_depth: Option<usize>,
    /// Seconds after which one file, blob or transcript stops being scanned (0: never).
    pub timeout_per_target: Option<f64>,
    /// Most decompressed bytes of one image layer (0: no limit).
    pub max_layer_bytes: Option<u64>,
    /// Most decompressed bytes of one image (0: no limit).
    pub max_image_bytes: Option<u64>,
    /// Largest transcript record parsed as JSON, in bytes.
    pub max_record_size: Option<usize>,
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
    /// Inline custom rules (`[[rules.custom]]`, same fields as rules/*.yml).
    #[serde(default)]
    pub custom: Vec<Rule>,
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
        Config::parse(&text, path)
    }

    /// Parses the text of the configuration file at `path` (relative rule paths are resolved
    /// against its directory; errors name it).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut cfg: Config =
            toml::from_str(text).with_context(|| format!("config {}: invalid", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in &mut cfg.rules.paths {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        for r in &mut cfg.rules.custom {
            r.origin = path.display().to_string();
        }
        cfg.origin = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// The configuration for a scan rooted at `root`: `explicit` if given, else
    /// `root/.leakhound.toml` when it exists, else defaults; plus `root/.gitleaksignore`.
    /// Returns warnings about malformed ignore lines alongside.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> Result<(Config, Vec<String>)> {
        let found = root.join(FILE_NAME);
        let mut cfg = match explicit {
            Some(p) => Config::load(p)?,
            None if found.is_file() => Config::load(&found)?,
            None => Config::default(),
        };
        let mut warnings = Vec::new();
        let ignore = root.join(".gitleaksignore");
        if let Ok(text) = std::fs::read_to_string(&ignore) {
            let (entries, bad) = parse_gitleaksignore(&text);
            cfg.gitleaks_ignore = entries;
            warnings.extend(
                bad.into_iter()
                    .map(|b| format!("{}: {b}", ignore.display())),
            );
        }
        Ok((cfg, warnings))
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

    #[test]
    fn discovered_at_the_root_with_custom_rules_and_gitleaksignore() {
        let d = tempfile::tempdir().unwrap();
        let (c, _) = Config::discover(None, d.path()).unwrap();
        assert!(c.origin.is_none());
        std::fs::write(
            d.path().join(FILE_NAME),
            "[[rules.custom]]\nid = \"acme.key\"\nname = \"ACME key\"\nprovider = \"ACME\"\n\
             pattern = '(?P<secret>acme_[a-z]{8})'\nkeywords = [\"acme_\"]\n\
             confidence = \"high\"\nseverity = \"high\"\nremediation = \"rotate\"\n",
        )
        .unwrap();
        std::fs::write(d.path().join(".gitleaksignore"), "a.py:rule:3\nbad line\n").unwrap();
        let (c, warnings) = Config::discover(None, d.path()).unwrap();
        assert_eq!(c.rules.custom[0].id, "acme.key");
        assert_eq!(c.gitleaks_ignore.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains(".gitleaksignore"));
    }
}
