//! Scan orchestration shared by every source: turns blobs (whole buffers or streams) into
//! findings with the engine, counts what was scanned and skipped, collects warnings, and hands
//! out the deterministic, deduplicated result.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::content::{self, Content};
use crate::engine::locate::{self, BlobContext};
use crate::engine::{Engine, Match};
use crate::finding::{Finding, Source};
use crate::progress::Progress;

/// Per-scan options shared by all sources.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Outputs may show full secrets.
    pub show_secrets: bool,
    /// Search printable strings of binary files instead of skipping them.
    pub scan_binary: bool,
    /// Files or blobs larger than this are skipped (0: no limit).
    pub max_file_size: u64,
    /// Findings kept per file; the rest are counted as capped.
    pub max_findings_per_file: usize,
    /// Bytes read per chunk of a large file.
    pub chunk_size: usize,
    /// Time after which the scan of one file, blob or transcript stops (checked between
    /// chunks and records); `None`: never.
    pub timeout_per_target: Option<Duration>,
}

/// Default `--timeout-per-target`: far more than any real file needs, short enough that one
/// pathological input cannot stall a CI job.
pub const DEFAULT_TIMEOUT_PER_TARGET: Duration = Duration::from_secs(300);

/// A resource limit that cuts part of a scan short. Each one that triggers is counted in the
/// summary under its flag name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// A file or blob over `--max-file-size` was skipped.
    MaxFileSize,
    /// A file had more findings than `--max-findings-per-file`.
    MaxFindingsPerFile,
    /// Encoded text nested deeper than `--decode-depth` was left encoded.
    DecodeDepth,
    /// A layer stopped decompressing at `--max-layer-bytes`.
    MaxLayerBytes,
    /// An image stopped decompressing at `--max-image-bytes`.
    MaxImageBytes,
    /// A file, blob or transcript scan stopped at `--timeout-per-target`.
    TimeoutPerTarget,
    /// A transcript record over `--max-record-size` was scanned as plain text.
    MaxRecordSize,
    /// A JSON document nested deeper than the parser allows was scanned as plain text.
    JsonDepth,
    /// A JSON document with more values than the parser allows was scanned as plain text.
    JsonValues,
}

impl Limit {
    /// Every limit, in declaration order (`limit as usize` indexes it).
    pub const ALL: [Limit; 9] = [
        Limit::MaxFileSize,
        Limit::MaxFindingsPerFile,
        Limit::DecodeDepth,
        Limit::MaxLayerBytes,
        Limit::MaxImageBytes,
        Limit::TimeoutPerTarget,
        Limit::MaxRecordSize,
        Limit::JsonDepth,
        Limit::JsonValues,
    ];

    /// The summary key: the flag that sets the limit (the JSON limits have no flag).
    pub fn key(self) -> &'static str {
        match self {
            Limit::MaxFileSize => "max-file-size",
            Limit::MaxFindingsPerFile => "max-findings-per-file",
            Limit::DecodeDepth => "decode-depth",
            Limit::MaxLayerBytes => "max-layer-bytes",
            Limit::MaxImageBytes => "max-image-bytes",
            Limit::TimeoutPerTarget => "timeout-per-target",
            Limit::MaxRecordSize => "max-record-size",
            Limit::JsonDepth => "json-depth",
            Limit::JsonValues => "json-values",
        }
    }
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            show_secrets: false,
            scan_binary: false,
            max_file_size: 1 << 30,
            max_findings_per_file: 1000,
            chunk_size: 8 << 20,
            timeout_per_target: Some(DEFAULT_TIMEOUT_PER_TARGET),
        }
    }
}

/// Live counters, readable by the progress display while a scan runs.
#[derive(Debug, Default)]
pub struct Stats {
    /// Files or blobs scanned.
    pub files: AtomicU64,
    /// Bytes scanned.
    pub bytes: AtomicU64,
    /// Findings so far (before deduplication).
    pub findings: AtomicU64,
    /// Skipped as binary.
    pub skipped_binary: AtomicU64,
    /// Skipped as larger than the size limit.
    pub skipped_too_large: AtomicU64,
    /// Skipped: excluded, symlinks not followed, FIFOs and devices.
    pub skipped_other: AtomicU64,
    /// Files whose findings hit the per-file cap.
    pub capped_files: AtomicU64,
    /// Warnings of any kind (limits hit, inputs skipped, inputs that failed).
    pub warnings: AtomicU64,
    /// Inputs that could not be read at all (a subset of the warnings).
    pub errors: AtomicU64,
    /// Times each [`Limit`] triggered (besides `skipped_too_large` and `capped_files`), in
    /// [`Limit::ALL`] order.
    pub limits: [AtomicU64; Limit::ALL.len()],
}

/// The end-of-scan summary included in every report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Summary {
    /// Scanned files or blobs.
    pub files_scanned: u64,
    /// Scanned bytes.
    pub bytes_scanned: u64,
    /// Files skipped as binary.
    pub skipped_binary: u64,
    /// Files skipped as too large.
    pub skipped_too_large: u64,
    /// Files skipped for other reasons (excluded, symlink, special file).
    pub skipped_other: u64,
    /// Files whose findings were capped.
    pub capped_files: u64,
    /// Warnings emitted.
    pub warnings: u64,
    /// Inputs that could not be read (missing, unreadable, corrupt).
    pub errors: u64,
    /// Findings reported.
    pub findings: u64,
    /// Findings accepted by a baseline, allowlist or ignore file (not reported).
    #[serde(default)]
    pub suppressed: u64,
    /// Findings per severity.
    pub by_severity: BTreeMap<String, u64>,
    /// Rules loaded.
    pub rules: u64,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Findings per validation outcome (only when validation ran).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub validation: BTreeMap<String, u64>,
    /// How often each resource limit cut something short, by flag name (only limits that
    /// triggered).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, u64>,
}

impl Summary {
    /// Recomputes the finding counters from the findings that will be reported.
    pub fn recount(&mut self, findings: &[Finding]) {
        self.findings = findings.len() as u64;
        self.by_severity.clear();
        for f in findings {
            *self
                .by_severity
                .entry(f.severity.as_str().to_string())
                .or_insert(0) += 1;
        }
    }
}

/// Scans blobs and accumulates findings; shared by reference across worker threads.
pub struct Scanner<'e> {
    engine: &'e Engine,
    opts: ScanOptions,
    /// Counters.
    pub stats: Stats,
    findings: Mutex<Vec<Finding>>,
    progress: Progress,
    started: Instant,
}

impl<'e> Scanner<'e> {
    /// A scanner over `engine`; warnings and progress go through `progress`.
    pub fn new(engine: &'e Engine, opts: ScanOptions, progress: Progress) -> Self {
        Scanner {
            engine,
            opts,
            stats: Stats::default(),
            findings: Mutex::new(Vec::new()),
            progress,
            started: Instant::now(),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        self.engine
    }

    /// The options.
    pub fn options(&self) -> &ScanOptions {
        &self.opts
    }

    /// Prints a warning naming the input and its problem, and counts it.
    pub fn warn(&self, msg: impl AsRef<str>) {
        self.stats.warnings.fetch_add(1, Ordering::Relaxed);
        self.progress.warn(msg.as_ref());
    }

    /// Like [`Scanner::warn`], for an input that could not be read at all; a scan where
    /// nothing was scanned and something failed exits 2.
    pub fn error(&self, msg: impl AsRef<str>) {
        self.stats.errors.fetch_add(1, Ordering::Relaxed);
        self.warn(msg);
    }

    /// Counts one trigger of `limit` (the caller warns, naming the input).
    pub fn limit_hit(&self, limit: Limit) {
        self.stats.limits[limit as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a target whose scan began at `started` has used up `--timeout-per-target`.
    pub fn timed_out(&self, started: Instant) -> bool {
        self.opts
            .timeout_per_target
            .is_some_and(|t| started.elapsed() > t)
    }

    /// Counts and reports a target cut short by `--timeout-per-target`; `at` says how far the
    /// scan got.
    pub fn warn_timeout(&self, path: &str, at: &str) {
        self.limit_hit(Limit::TimeoutPerTarget);
        let secs = self
            .opts
            .timeout_per_target
            .map_or(0.0, |t| t.as_secs_f64());
        self.warn(format!(
            "{path}: scan stopped after {secs} s (--timeout-per-target) at {at}; findings up to \
             there are kept"
        ));
    }

    /// Updates the progress display.
    pub fn tick(&self) {
        self.progress.update(&self.stats);
    }

    /// Adds findings produced outside the byte scanners (e.g. by a source that attributes one
    /// scanned blob to several places).
    pub fn push_findings(&self, mut f: Vec<Finding>) {
        self.stats
            .findings
            .fetch_add(f.len() as u64, Ordering::Relaxed);
        if let Ok(mut all) = self.findings.lock() {
            all.append(&mut f);
        }
    }

    /// Scans a complete in-memory blob: classifies it (text, UTF-16, binary), scans and records
    /// findings. Returns the findings it added (for sources that attribute them further).
    pub fn scan_bytes(&self, data: &[u8], path: &str, source: &Source) -> Vec<Finding> {
        let found = self.findings_in(data, path, source);
        self.push_findings(found.clone());
        found
    }

    /// Like [`Scanner::scan_bytes`] but returns the findings without recording them.
    pub fn findings_in(&self, data: &[u8], path: &str, source: &Source) -> Vec<Finding> {
        let text = match content::classify(data) {
            // Large blobs go chunk by chunk, so the per-target timeout can stop them.
            Content::Text
                if data.len() > self.opts.chunk_size && self.opts.timeout_per_target.is_some() =>
            {
                let head = data[..data.len().min(content::SNIFF_LEN)].to_vec();
                let mut rest = &data[head.len()..];
                return self.stream_findings(head, &mut rest, path, source);
            }
            Content::Text => std::borrow::Cow::Borrowed(data),
            Content::Utf16(enc) => std::borrow::Cow::Owned(content::transcode_utf16(data, enc)),
            Content::Binary if self.opts.scan_binary => {
                std::borrow::Cow::Owned(content::printable_strings(data))
            }
            Content::Binary => {
                self.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
        };
        self.stats.files.fetch_add(1, Ordering::Relaxed);
        self.stats
            .bytes
            .fetch_add(data.len() as u64, Ordering::Relaxed);
        let matches = self.engine.scan(&text);
        let ctx = BlobContext {
            path,
            source,
            show_secrets: self.opts.show_secrets,
            base_offset: 0,
            base_line: 0,
        };
        let mut f = locate::findings(self.engine, &text, &matches, &ctx);
        self.cap(&mut f, path);
        f
    }

    fn cap(&self, f: &mut Vec<Finding>, path: &str) {
        if f.len() > self.opts.max_findings_per_file {
            self.stats.capped_files.fetch_add(1, Ordering::Relaxed);
            self.warn(format!(
                "{path}: {} findings, keeping the first {} (--max-findings-per-file)",
                f.len(),
                self.opts.max_findings_per_file
            ));
            f.truncate(self.opts.max_findings_per_file);
        }
    }

    /// Scans a stream in overlapping chunks with bounded memory. `head` holds bytes already
    /// read from the start of the stream (used for classification). Returns the findings it
    /// added; read errors end the stream with a warning after scanning what was read.
    pub fn scan_stream(
        &self,
        head: Vec<u8>,
        reader: &mut dyn Read,
        path: &str,
        source: &Source,
    ) -> Vec<Finding> {
        let found = self.stream_findings(head, reader, path, source);
        self.push_findings(found.clone());
        found
    }

    /// Like [`Scanner::scan_stream`] but returns the findings without recording them (for
    /// sources that attribute them further once the whole input is read).
    pub fn stream_findings(
        &self,
        head: Vec<u8>,
        reader: &mut dyn Read,
        path: &str,
        source: &Source,
    ) -> Vec<Finding> {
        match content::classify(&head) {
            Content::Text => {}
            Content::Binary if !self.opts.scan_binary => {
                self.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
                return Vec::new();
            }
            // UTF-16 and binary-strings need whole-buffer transforms: read up to the size cap.
            _ => {
                let mut all = head;
                let limit = if self.opts.max_file_size == 0 {
                    u64::MAX
                } else {
                    self.opts.max_file_size
                };
                if let Err(e) = reader.take(limit).read_to_end(&mut all) {
                    self.error(format!("{path}: read error after {} bytes: {e}", all.len()));
                }
                return self.findings_in(&all, path, source);
            }
        }
        self.stats.files.fetch_add(1, Ordering::Relaxed);
        self.stream_text(head, reader, path, source, 0, 0)
    }

    /// Scans text (`head`, then the rest of `reader`) in overlapping chunks with bounded memory,
    /// as a part of a file that begins `base_offset` bytes and `base_line` newlines into it (a
    /// transcript record too long to hold). Counts the bytes, not a file; returns the findings
    /// without recording them.
    pub fn stream_text(
        &self,
        head: Vec<u8>,
        reader: &mut dyn Read,
        path: &str,
        source: &Source,
        mut base_offset: u64,
        mut base_line: usize,
    ) -> Vec<Finding> {
        let started = Instant::now();
        let overlap = self.engine.overlap();
        let chunk = self.opts.chunk_size.max(overlap * 2);
        let mut buf = head;
        let mut all = Vec::new();
        let mut eof = false;
        let mut counted = 0usize;
        loop {
            // Fill the buffer up to one chunk.
            while !eof && buf.len() < chunk {
                let old = buf.len();
                buf.resize(chunk, 0);
                match reader.read(&mut buf[old..]) {
                    Ok(0) => {
                        buf.truncate(old);
                        eof = true;
                    }
                    Ok(n) => buf.truncate(old + n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(old),
                    Err(e) => {
                        buf.truncate(old);
                        self.error(format!(
                            "{path}: read error at byte {}: {e}; scanned what was read",
                            base_offset + old as u64
                        ));
                        eof = true;
                    }
                }
            }
            self.stats
                .bytes
                .fetch_add((buf.len() - counted) as u64, Ordering::Relaxed);
            let keep = if eof { buf.len() } else { buf.len() - overlap };
            let matches: Vec<Match> = self
                .engine
                .scan(&buf)
                .into_iter()
                .filter(|m| m.start < keep)
                .collect();
            let ctx = BlobContext {
                path,
                source,
                show_secrets: self.opts.show_secrets,
                base_offset,
                base_line,
            };
            all.extend(locate::findings(self.engine, &buf, &matches, &ctx));
            self.tick();
            if eof {
                break;
            }
            if self.timed_out(started) {
                self.warn_timeout(path, &format!("byte {}", base_offset + keep as u64));
                break;
            }
            base_line += memchr::memchr_iter(b'\n', &buf[..keep]).count();
            base_offset += keep as u64;
            buf.drain(..keep);
            counted = buf.len();
        }
        self.cap(&mut all, path);
        all
    }

    /// Ends the scan: sorted, deduplicated findings and the summary.
    pub fn finish(self) -> (Vec<Finding>, Summary) {
        self.progress.finish();
        let mut findings = self
            .findings
            .into_inner()
            .unwrap_or_else(|e| e.into_inner());
        findings.sort_by(|a, b| a.report_order(b));
        findings.dedup_by(|a, b| {
            a.rule_id == b.rule_id
                && a.fingerprint == b.fingerprint
                && a.location == b.location
                && a.source == b.source
        });
        let mut by_severity = BTreeMap::new();
        for f in &findings {
            *by_severity
                .entry(f.severity.as_str().to_string())
                .or_insert(0) += 1;
        }
        let s = &self.stats;
        let mut summary = Summary {
            files_scanned: s.files.load(Ordering::Relaxed),
            bytes_scanned: s.bytes.load(Ordering::Relaxed),
            skipped_binary: s.skipped_binary.load(Ordering::Relaxed),
            skipped_too_large: s.skipped_too_large.load(Ordering::Relaxed),
            skipped_other: s.skipped_other.load(Ordering::Relaxed),
            capped_files: s.capped_files.load(Ordering::Relaxed),
            warnings: s.warnings.load(Ordering::Relaxed),
            errors: s.errors.load(Ordering::Relaxed),
            rules: self.engine.rules().len() as u64,
            duration_ms: self.started.elapsed().as_millis() as u64,
            ..Summary::default()
        };
        let depth = self.engine.depth_limited();
        if depth > 0 {
            s.limits[Limit::DecodeDepth as usize].fetch_add(depth, Ordering::Relaxed);
            self.progress.warn(&format!(
                "{depth} buffer{} held encoded text nested deeper than --decode-depth {}; \
                 the innermost layers were not decoded",
                if depth == 1 { "" } else { "s" },
                self.engine.options().decode_depth
            ));
            s.warnings.fetch_add(1, Ordering::Relaxed);
            summary.warnings += 1;
        }
        let counted = [
            (Limit::MaxFileSize, summary.skipped_too_large),
            (Limit::MaxFindingsPerFile, summary.capped_files),
        ];
        for (i, l) in Limit::ALL.iter().enumerate() {
            let extra = counted.iter().find(|(c, _)| c == l).map_or(0, |(_, n)| *n);
            let n = s.limits[i].load(Ordering::Relaxed) + extra;
            if n > 0 {
                summary.limits.insert(l.key().to_string(), n);
            }
        }
        summary.recount(&findings);
        (findings, summary)
    }
}
