//! Layer paths and whiteouts: cleaning tar entry names (`./` prefixes, absolute names, `..`
//! escapes), recognising the AUFS/OCI whiteout forms (`.wh.<name>` for a deleted file or
//! directory, `.wh..wh..opq` for an opaque directory) and deciding which later layer deletes a
//! file.

use std::collections::HashSet;

/// Prefix of a whiteout entry's file name.
pub const WHITEOUT_PREFIX: &str = ".wh.";
/// File name marking an opaque directory.
pub const OPAQUE: &str = ".wh..wh..opq";

/// A tar entry name cleaned to a relative path inside the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPath {
    /// Relative path without leading `/` or `./`, no `.` or `..` components (`""` = root).
    pub rel: String,
    /// The raw name was absolute or tried to climb above the root with `..`.
    pub unsafe_name: bool,
}

/// Cleans a tar entry name lexically; `..` never climbs above the image root.
pub fn clean(raw: &str) -> CleanPath {
    let mut unsafe_name = raw.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    unsafe_name = true;
                }
            }
            c => parts.push(c),
        }
    }
    if raw.split('/').any(|c| c == "..") {
        unsafe_name = true;
    }
    CleanPath {
        rel: parts.join("/"),
        unsafe_name,
    }
}

/// What a whiteout entry means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whiteout {
    /// `<dir>/.wh.<name>`: `<dir>/<name>` (and everything below it) is deleted.
    Delete(String),
    /// `<dir>/.wh..wh..opq`: everything lower layers put under `<dir>` is hidden.
    Opaque(String),
}

/// Recognises a whiteout by its (cleaned) path.
pub fn classify(rel: &str) -> Option<Whiteout> {
    let (dir, name) = match rel.rsplit_once('/') {
        Some((d, n)) => (d, n),
        None => ("", rel),
    };
    if name == OPAQUE {
        return Some(Whiteout::Opaque(dir.to_string()));
    }
    let target = name.strip_prefix(WHITEOUT_PREFIX)?;
    if target.is_empty() {
        return None;
    }
    Some(Whiteout::Delete(if dir.is_empty() {
        target.to_string()
    } else {
        format!("{dir}/{target}")
    }))
}

/// The whiteouts one layer holds.
#[derive(Debug, Clone, Default)]
pub struct Whiteouts {
    /// Deleted paths.
    pub deleted: HashSet<String>,
    /// Opaque directories (`""` = the root).
    pub opaque: HashSet<String>,
}

impl Whiteouts {
    /// Records one whiteout.
    pub fn add(&mut self, w: Whiteout) {
        match w {
            Whiteout::Delete(p) => self.deleted.insert(p),
            Whiteout::Opaque(d) => self.opaque.insert(d),
        };
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.deleted.is_empty() && self.opaque.is_empty()
    }

    /// Whether this layer hides `rel` as lower layers left it: the path or one of its
    /// directories is deleted, or one of its directories is opaque.
    pub fn hides(&self, rel: &str) -> bool {
        if self.opaque.contains("") {
            return true;
        }
        let mut end = 0;
        loop {
            let next = rel[end..].find('/').map(|i| end + i);
            let prefix = &rel[..next.unwrap_or(rel.len())];
            if self.deleted.contains(prefix) {
                return true;
            }
            match next {
                // `prefix` is a directory above `rel`.
                Some(i) => {
                    if self.opaque.contains(prefix) {
                        return true;
                    }
                    end = i + 1;
                }
                None => return false,
            }
        }
    }
}

/// The first layer above `layer` whose whiteouts hide `rel`.
pub fn deleted_in(layers: &[&Whiteouts], layer: usize, rel: &str) -> Option<usize> {
    (layer + 1..layers.len()).find(|&j| layers[j].hides(rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_escapes_flagged() {
        assert_eq!(clean("./app/x").rel, "app/x");
        assert!(!clean("./app/x").unsafe_name);
        assert_eq!(clean("app//y/./z").rel, "app/y/z");
        let c = clean("../../etc/passwd");
        assert_eq!(c.rel, "etc/passwd");
        assert!(c.unsafe_name);
        assert!(clean("/etc/shadow").unsafe_name);
        assert!(clean("a/../../b").unsafe_name);
        assert_eq!(clean("./").rel, "");
    }

    #[test]
    fn every_whiteout_form_hides_lower_files() {
        assert_eq!(
            classify("app/config/.wh..env"),
            Some(Whiteout::Delete("app/config/.env".into()))
        );
        assert_eq!(
            classify("app/.wh..wh..opq"),
            Some(Whiteout::Opaque("app".into()))
        );
        assert_eq!(
            classify(".wh.secrets"),
            Some(Whiteout::Delete("secrets".into()))
        );
        assert_eq!(classify("app/x.wh.y"), None);

        let mut file = Whiteouts::default();
        file.add(Whiteout::Delete("app/config/.env".into()));
        let mut dir = Whiteouts::default();
        dir.add(Whiteout::Delete("secrets".into()));
        let mut opq = Whiteouts::default();
        opq.add(Whiteout::Opaque("app".into()));
        assert!(file.hides("app/config/.env"));
        assert!(!file.hides("app/config/.env2"));
        assert!(dir.hides("secrets/a/b.txt"));
        assert!(!dir.hides("secretsx/a"));
        assert!(opq.hides("app/a.txt"));
        assert!(!opq.hides("app"));
        assert!(!opq.hides("application/a"));

        let none = Whiteouts::default();
        let layers = [&none, &none, &file, &opq];
        assert_eq!(deleted_in(&layers, 0, "app/config/.env"), Some(2));
        assert_eq!(deleted_in(&layers, 0, "app/other"), Some(3));
        assert_eq!(deleted_in(&layers, 3, "app/other"), None);
        assert_eq!(deleted_in(&layers, 0, "etc/x"), None);
    }
}
