//! `Read` adapters for blob streams: hashing while reading (digest and diff-id checks without a
//! second pass), decompression by sniffed magic (gzip, zstd, plain) and decompressed-size caps
//! per layer and per image (gzip/zstd bombs stop at the cap instead of running on).

use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

/// Buffer size used around decompressors and archive files.
pub const BUF: usize = 256 << 10;

/// A running sha256, byte count and end-of-input flag, shared with whoever reads the result.
#[derive(Clone, Default)]
pub struct HashState(Arc<Mutex<(Sha256, u64, bool)>>);

impl HashState {
    /// `sha256:<hex>` of everything read so far, and the byte count.
    pub fn finish(&self) -> (String, u64) {
        let g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        (
            format!("sha256:{}", hex::encode(g.0.clone().finalize())),
            g.1,
        )
    }

    /// Bytes read so far.
    pub fn count(&self) -> u64 {
        self.0.lock().map(|g| g.1).unwrap_or(0)
    }

    /// Whether the input was read to its end.
    pub fn at_end(&self) -> bool {
        self.0.lock().map(|g| g.2).unwrap_or(false)
    }
}

/// Hashes every byte that passes through.
pub struct Hashing<R> {
    inner: R,
    state: HashState,
}

impl<R: Read> Hashing<R> {
    /// Wraps `inner`; read the digest from the returned state once done.
    pub fn new(inner: R) -> (Self, HashState) {
        let state = HashState::default();
        (
            Hashing {
                inner,
                state: state.clone(),
            },
            state,
        )
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut g) = self.state.0.lock() {
            if n > 0 {
                g.0.update(&buf[..n]);
                g.1 += n as u64;
            } else if !buf.is_empty() {
                g.2 = true;
            }
        }
        Ok(n)
    }
}

/// Shared decompressed-byte budget of one image.
#[derive(Debug)]
pub struct Budget {
    left: AtomicU64,
    /// The configured total, for messages.
    pub total: u64,
}

impl Budget {
    /// A budget of `total` bytes (0: unlimited).
    pub fn new(total: u64) -> Self {
        let total = if total == 0 { u64::MAX } else { total };
        Budget {
            left: AtomicU64::new(total),
            total,
        }
    }

    /// Takes `n` bytes; false when the budget is exhausted.
    fn take(&self, n: u64) -> bool {
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(n))
            .is_ok()
    }
}

/// Which cap stopped a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapHit {
    /// The per-layer cap.
    Layer(u64),
    /// The per-image cap.
    Image(u64),
}

/// Fails reads past a per-stream limit or once the shared budget is spent, and records which.
pub struct Capped<'b, R> {
    inner: R,
    left: u64,
    limit: u64,
    budget: &'b Budget,
    hit: Arc<Mutex<Option<CapHit>>>,
}

impl<'b, R: Read> Capped<'b, R> {
    /// Caps `inner` at `limit` bytes (0: unlimited) and at what `budget` has left.
    pub fn new(inner: R, limit: u64, budget: &'b Budget) -> (Self, Arc<Mutex<Option<CapHit>>>) {
        let limit = if limit == 0 { u64::MAX } else { limit };
        let hit = Arc::new(Mutex::new(None));
        (
            Capped {
                inner,
                left: limit,
                limit,
                budget,
                hit: hit.clone(),
            },
            hit,
        )
    }

    fn fail(&self, h: CapHit) -> io::Error {
        if let Ok(mut g) = self.hit.lock() {
            *g = Some(h);
        }
        io::Error::other("decompressed size cap reached")
    }
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        // Read one byte past the limit so an input of exactly the limit still ends cleanly.
        let want = buf
            .len()
            .min(self.left.saturating_add(1).min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        if n as u64 > self.left {
            return Err(self.fail(CapHit::Layer(self.limit)));
        }
        if !self.budget.take(n as u64) {
            return Err(self.fail(CapHit::Image(self.budget.total)));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// How a blob is compressed, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (possibly several members).
    Gzip,
    /// zstd.
    Zstd,
}

impl Compression {
    /// Sniffs the magic number.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// Wraps `inner` (buffered) in the decompressor its magic number calls for.
pub fn decompress<'a, R: Read + Send + 'a>(
    inner: R,
) -> io::Result<(Box<dyn Read + Send + 'a>, Compression)> {
    let mut buf = BufReader::with_capacity(BUF, inner);
    let head = buf.fill_buf()?;
    let c = Compression::sniff(head);
    let r: Box<dyn Read + Send + 'a> = match c {
        Compression::None => Box::new(buf),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(buf)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(buf)?),
    };
    Ok((r, c))
}

/// Bridges a stream of chunks from an async task into `Read` (call from outside the runtime).
pub struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    at: usize,
    done: bool,
}

impl ChannelReader {
    /// Reads chunks from `rx` until it closes.
    pub fn new(rx: tokio::sync::mpsc::Receiver<io::Result<Vec<u8>>>) -> Self {
        ChannelReader {
            rx,
            cur: Vec::new(),
            at: 0,
            done: false,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at >= self.cur.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Ok(b)) => {
                    self.cur = b;
                    self.at = 0;
                }
                Some(Err(e)) => {
                    self.done = true;
                    return Err(e);
                }
                None => self.done = true,
            }
        }
        let n = buf.len().min(self.cur.len() - self.at);
        buf[..n].copy_from_slice(&self.cur[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn caps_stop_bombs_and_hashes_match() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![0u8; 1 << 20]).unwrap();
        let bomb = gz.finish().unwrap();
        let budget = Budget::new(0);
        let (r, c) = decompress(&bomb[..]).unwrap();
        assert_eq!(c, Compression::Gzip);
        let (mut capped, hit) = Capped::new(r, 4096, &budget);
        let mut out = Vec::new();
        assert!(capped.read_to_end(&mut out).is_err());
        assert_eq!(*hit.lock().unwrap(), Some(CapHit::Layer(4096)));

        let budget = Budget::new(1000);
        let (mut capped, hit) = Capped::new(&[1u8; 2000][..], 0, &budget);
        assert!(capped.read_to_end(&mut Vec::new()).is_err());
        assert_eq!(*hit.lock().unwrap(), Some(CapHit::Image(1000)));

        let budget = Budget::new(0);
        let (mut exact, _) = Capped::new(&[1u8; 100][..], 100, &budget);
        assert_eq!(exact.read_to_end(&mut Vec::new()).unwrap(), 100);

        let (mut h, st) = Hashing::new(&b"abc"[..]);
        h.read_to_end(&mut Vec::new()).unwrap();
        assert_eq!(st.finish(), (super::super::oci::sha256_digest(b"abc"), 3));
    }

    #[test]
    fn zstd_and_plain_are_sniffed() {
        let z = zstd::encode_all(&b"hello"[..], 1).unwrap();
        let (mut r, c) = decompress(&z[..]).unwrap();
        assert_eq!(c, Compression::Zstd);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "hello");
        let (_, c) = decompress(&b"plain"[..]).unwrap();
        assert_eq!(c, Compression::None);
    }
}
