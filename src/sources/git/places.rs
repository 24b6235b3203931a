//! The blob → places index: every unique blob with each (commit, path) that introduced it,
//! and the provenance each finding in that blob is attributed to.

use std::collections::HashMap;
use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use gix::ObjectId;

use crate::finding::{GitOrigin, Source};

/// A commit as the report shows it.
#[derive(Debug, Clone)]
pub struct CommitMeta {
    /// Commit id.
    pub id: ObjectId,
    /// Root tree id.
    pub tree: ObjectId,
    /// Parent ids as recorded in the commit (some may be absent in a shallow clone).
    pub parents: Vec<ObjectId>,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Committer time, seconds since the epoch.
    pub seconds: i64,
    /// Committer time zone offset in seconds east of UTC.
    pub offset: i32,
    /// First line of the message.
    pub summary: String,
    /// Reached only from objects no ref names (`--all-objects`).
    pub unreachable: bool,
}

impl CommitMeta {
    /// The committer date in RFC 3339 with its original offset.
    pub fn date(&self) -> String {
        use time::format_description::well_known::Rfc3339;
        let offset =
            time::UtcOffset::from_whole_seconds(self.offset).unwrap_or(time::UtcOffset::UTC);
        time::OffsetDateTime::from_unix_timestamp(self.seconds)
            .map(|t| t.to_offset(offset))
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| format!("@{}", self.seconds))
    }
}

/// One place a blob was introduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Index into [`PlaceTable::commits`]; `None` for the index and for blobs only a ref or
    /// nothing at all names.
    pub commit: Option<u32>,
    /// Interned path.
    pub path: u32,
    /// Where the blob lives.
    pub origin: GitOrigin,
}

/// Every unique blob and its places, with interned paths.
#[derive(Debug, Default)]
pub struct PlaceTable {
    /// Commits that places point at.
    pub commits: Vec<CommitMeta>,
    paths: Vec<String>,
    /// Ids of the UTF-8 paths, found by their bytes (the text is stored once, in `paths`).
    path_ids: HashTable<u32>,
    /// Ids of paths that are not UTF-8 (their entry in `paths` is the lossy text).
    raw_path_ids: HashMap<Box<[u8]>, u32>,
    hasher: DefaultHashBuilder,
    blobs: hashbrown::HashMap<ObjectId, Vec<Place>>,
}

impl PlaceTable {
    /// Interns `path` (git paths are bytes; reports show them as lossy UTF-8).
    pub fn path_id(&mut self, path: &[u8]) -> u32 {
        let next = self.paths.len() as u32;
        if std::str::from_utf8(path).is_err() {
            let id = *self.raw_path_ids.entry(path.into()).or_insert(next);
            if id == next {
                self.paths.push(String::from_utf8_lossy(path).into_owned());
            }
            return id;
        }
        let hash = self.hasher.hash_one(path);
        let paths = &self.paths;
        if let Some(&id) = self
            .path_ids
            .find(hash, |&id| paths[id as usize].as_bytes() == path)
        {
            return id;
        }
        let hasher = &self.hasher;
        self.path_ids.insert_unique(hash, next, |&id| {
            hasher.hash_one(paths[id as usize].as_bytes())
        });
        self.paths.push(String::from_utf8_lossy(path).into_owned());
        next
    }

    /// The path behind an interned id.
    pub fn path(&self, id: u32) -> &str {
        self.paths.get(id as usize).map_or("", String::as_str)
    }

    /// Records that `blob` was introduced at `place`.
    pub fn add(&mut self, blob: ObjectId, place: Place) {
        self.blobs.entry(blob).or_default().push(place);
    }

    /// Whether `blob` is already known.
    pub fn contains(&self, blob: &ObjectId) -> bool {
        self.blobs.contains_key(blob)
    }

    /// Number of unique blobs.
    pub fn blob_count(&self) -> usize {
        self.blobs.len()
    }

    /// Takes the blobs out, each with its places sorted first-introduced first (committer
    /// time, then commit id, then path) and duplicates removed.
    pub fn take_blobs(&mut self) -> Vec<(ObjectId, Vec<Place>)> {
        let commits = &self.commits;
        let paths = &self.paths;
        let key = |p: &Place| {
            let c = p.commit.and_then(|i| commits.get(i as usize));
            (
                // Places with a commit come first; among them the oldest.
                c.is_none(),
                c.map_or(0, |c| c.seconds),
                c.map(|c| c.id),
                paths.get(p.path as usize).map_or("", String::as_str),
            )
        };
        let mut out: Vec<(ObjectId, Vec<Place>)> = std::mem::take(&mut self.blobs)
            .into_iter()
            .map(|(id, mut places)| {
                places.sort_by_cached_key(key);
                places.dedup();
                (id, places)
            })
            .collect();
        out.sort_unstable_by_key(|(id, _)| *id);
        out
    }

    /// The provenance of a finding at `place` of `blob` with `others` other places.
    pub fn source(&self, repository: &str, blob: &ObjectId, place: &Place, others: u64) -> Source {
        let c = place.commit.and_then(|i| self.commits.get(i as usize));
        let origin = match (place.origin, c) {
            (GitOrigin::History, Some(c)) if c.unreachable => GitOrigin::Unreachable,
            (o, _) => o,
        };
        Source::Git {
            repository: repository.to_string(),
            origin,
            commit: c.map(|c| c.id.to_string()),
            author_name: c.map(|c| c.author_name.clone()).unwrap_or_default(),
            author_email: c.map(|c| c.author_email.clone()).unwrap_or_default(),
            date: c.map(CommitMeta::date).unwrap_or_default(),
            summary: c.map(|c| c.summary.clone()).unwrap_or_default(),
            path: self.path(place.path).to_string(),
            blob: blob.to_string(),
            other_places: others,
        }
    }
}

/// For each distinct path of `places` (sorted first-introduced first), the first place
/// there: the places a finding is reported at.
pub fn first_per_path(places: &[Place]) -> Vec<Place> {
    let mut seen = std::collections::HashSet::new();
    places
        .iter()
        .filter(|p| seen.insert(p.path))
        .copied()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(n: u8, seconds: i64) -> CommitMeta {
        CommitMeta {
            id: ObjectId::from_bytes_or_panic(&[n; 20]),
            tree: ObjectId::empty_tree(gix::hash::Kind::Sha1),
            parents: vec![],
            author_name: "A".into(),
            author_email: "a@example.com".into(),
            seconds,
            offset: 3600,
            summary: "s".into(),
            unreachable: false,
        }
    }

    #[test]
    fn places_sort_oldest_first_and_one_per_path() {
        let mut t = PlaceTable {
            commits: vec![meta(1, 200), meta(2, 100)],
            ..PlaceTable::default()
        };
        let blob = ObjectId::from_bytes_or_panic(&[9; 20]);
        let a = t.path_id(b"a.txt");
        let b = t.path_id(b"b.txt");
        for (commit, path) in [(Some(0), a), (Some(1), b), (Some(1), a), (None, b)] {
            t.add(
                blob,
                Place {
                    commit,
                    path,
                    origin: GitOrigin::History,
                },
            );
        }
        let blobs = t.take_blobs();
        let places = &blobs[0].1;
        assert_eq!(places[0].commit, Some(1));
        assert_eq!(places.last().map(|p| p.commit), Some(None));
        let firsts = first_per_path(places);
        assert_eq!(firsts.len(), 2);
        assert!(firsts.iter().all(|p| p.commit == Some(1)));
    }

    #[test]
    fn paths_are_interned_by_their_bytes() {
        let mut t = PlaceTable::default();
        let ids: Vec<u32> = [
            &b"a.txt"[..],
            b"d/b.txt",
            b"a.txt",
            b"bad\xff",
            b"bad\xff",
            b"d/b.txt",
        ]
        .iter()
        .map(|p| t.path_id(p))
        .collect();
        assert_eq!(ids, [0, 1, 0, 2, 2, 1]);
        assert_eq!(t.path(1), "d/b.txt");
        assert_eq!(t.path(2), "bad\u{fffd}");
        // Many paths: the table grows and every id still resolves to its own path.
        let many: Vec<String> = (0..10_000)
            .map(|i| format!("dir{}/file{i}", i % 7))
            .collect();
        let ids: Vec<u32> = many.iter().map(|p| t.path_id(p.as_bytes())).collect();
        for (p, id) in many.iter().zip(&ids) {
            assert_eq!(t.path(*id), p);
            assert_eq!(t.path_id(p.as_bytes()), *id);
        }
    }

    #[test]
    fn dates_keep_their_offset() {
        assert_eq!(meta(1, 0).date(), "1970-01-01T01:00:00+01:00");
    }
}
