//! `--staged`: the blobs of the index, i.e. exactly what the next commit would contain (the
//! pre-commit hook case).

use gix::index::entry::Mode;

use crate::finding::GitOrigin;
use crate::scan::Scanner;

use super::places::{Place, PlaceTable};
use super::repo::Opened;

/// Records every file blob of the index at its path.
pub fn collect(repo: &gix::Repository, opened: &Opened, scanner: &Scanner, table: &mut PlaceTable) {
    let index = match repo.open_index() {
        Ok(i) => i,
        Err(e) => {
            scanner.warn(format!(
                "{}: cannot read the index (bare repository or no index yet): {e}",
                opened.display
            ));
            return;
        }
    };
    for e in index.entries() {
        if e.mode != Mode::FILE && e.mode != Mode::FILE_EXECUTABLE {
            continue;
        }
        let path = table.path_id(e.path(&index));
        table.add(
            e.id,
            Place {
                commit: None,
                path,
                origin: GitOrigin::Index,
            },
        );
    }
}
