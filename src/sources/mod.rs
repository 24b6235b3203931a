//! Sources produce blobs with provenance for the engine: files on disk now; git history,
//! container images and agent transcripts in their own modules.

pub mod agents;
pub mod fs;
pub mod git;
pub mod image;
