//! A small streaming tar reader for image layers and image archives.
//!
//! It reads ustar, GNU (long names `L`/`K`, base-256 sizes) and PAX (`path`, `linkpath`, `size`)
//! headers from any `Read`, never seeks and never touches the filesystem. It owns its input, so
//! a reader can move between threads. Image tooling writes tars that strict readers reject; this
//! one accepts them: a tar that ends right after an entry's data (no zero-block footer, even no
//! padding, as umoci writes) ends cleanly, while an input cut inside a header or inside an
//! entry's data is reported as truncated.

use std::io::{self, Read};

/// Size of a tar block.
const BLOCK: u64 = 512;

/// Most bytes of PAX or GNU long-name metadata accepted for one entry.
const MAX_META: u64 = 1 << 20;

/// What a tar entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file (types `0`, NUL and `7`).
    File,
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink,
    /// A hard link to an earlier entry.
    HardLink,
    /// Anything else (devices, FIFOs, GNU sparse files, …), with its type byte.
    Other(u8),
}

/// One entry's header, after long names and PAX records are applied.
#[derive(Debug, Clone)]
pub struct Header {
    /// The entry name as stored (lossily decoded).
    pub path: String,
    /// Link target of symlinks and hard links.
    pub link: Option<String>,
    /// Entry type.
    pub kind: Kind,
    /// Size of the entry's data in bytes.
    pub size: u64,
    /// Permission bits.
    pub mode: u32,
}

/// Why reading stopped early.
#[derive(Debug, thiserror::Error)]
pub enum TarError {
    /// The input ended inside a header or inside an entry's data.
    #[error("truncated at byte {0}")]
    Truncated(u64),
    /// A header block is not a tar header.
    #[error("not a tar header at byte {0} (bad checksum)")]
    BadHeader(u64),
    /// A header field or metadata record cannot be parsed.
    #[error("malformed header at byte {at}: {what}")]
    Malformed {
        /// Offset of the header.
        at: u64,
        /// What is wrong.
        what: String,
    },
    /// The input failed to read.
    #[error("read error at byte {at}: {source}")]
    Io {
        /// Offset of the failure.
        at: u64,
        /// The underlying error.
        source: io::Error,
    },
}

/// Streams entries out of a tar archive.
pub struct TarReader<R> {
    inner: R,
    /// Bytes consumed from `inner`.
    pos: u64,
    /// Data bytes of the current entry not yet read.
    remaining: u64,
    /// Padding after the current entry's data.
    padding: u64,
    /// Set once the end (zero block or clean EOF) was seen.
    done: bool,
    /// Skips bytes without reading them (seekable inputs); returns how many there were.
    skipper: Option<Skipper<R>>,
}

/// Skips `n` bytes of a seekable input and returns how many there were before its end.
pub type Skipper<R> = fn(&mut R, u64) -> io::Result<u64>;

impl<R: Read> TarReader<R> {
    /// A reader over `inner` (wrap files in a `BufReader`: headers are read 512 bytes at a time).
    pub fn new(inner: R) -> Self {
        TarReader {
            inner,
            pos: 0,
            remaining: 0,
            padding: 0,
            done: false,
            skipper: None,
        }
    }

    /// A reader that skips entry data with `skipper` (e.g. by seeking) instead of reading it.
    pub fn with_skipper(inner: R, skipper: Skipper<R>) -> Self {
        TarReader {
            skipper: Some(skipper),
            ..TarReader::new(inner)
        }
    }

    /// Bytes consumed from the input so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Gives the input back (e.g. to drain what follows the end marker).
    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The next entry, skipping whatever of the previous entry's data was not read.
    /// `Ok(None)` at the end of the archive.
    pub fn next_entry(&mut self) -> Result<Option<Header>, TarError> {
        if self.done {
            return Ok(None);
        }
        // Skip the unread data of the previous entry (truncation there is an error) and its
        // padding (a missing padding at the very end is the footer-less style: clean end).
        if self.remaining > 0 {
            let want = self.remaining;
            let got = self.skip(want)?;
            self.remaining = 0;
            if got < want {
                return Err(TarError::Truncated(self.pos));
            }
        }
        if self.padding > 0 {
            let want = self.padding;
            self.padding = 0;
            if self.skip(want)? < want {
                self.done = true;
                return Ok(None);
            }
        }
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut pax_path: Option<Vec<u8>> = None;
        let mut pax_link: Option<Vec<u8>> = None;
        let mut pax_size: Option<u64> = None;
        loop {
            let at = self.pos;
            let mut block = [0u8; BLOCK as usize];
            let n = self.read_full(&mut block)?;
            if n == 0 {
                self.done = true;
                return Ok(None);
            }
            if n < block.len() {
                return Err(TarError::Truncated(self.pos));
            }
            if block.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            if !checksum_ok(&block) {
                return Err(TarError::BadHeader(at));
            }
            let size = parse_number(&block[124..136]).ok_or_else(|| TarError::Malformed {
                at,
                what: "size field".into(),
            })?;
            let typeflag = block[156];
            match typeflag {
                b'L' | b'K' | b'x' => {
                    let body = self.read_meta(size, at)?;
                    match typeflag {
                        b'L' => long_name = Some(trim_nul(&body).to_vec()),
                        b'K' => long_link = Some(trim_nul(&body).to_vec()),
                        _ => {
                            for (k, v) in parse_pax(&body) {
                                match k {
                                    b"path" => pax_path = Some(v.to_vec()),
                                    b"linkpath" => pax_link = Some(v.to_vec()),
                                    b"size" => {
                                        pax_size = std::str::from_utf8(v)
                                            .ok()
                                            .and_then(|s| s.trim().parse().ok())
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                    continue;
                }
                b'g' => {
                    // Global PAX header: nothing we need.
                    self.read_meta(size, at)?;
                    continue;
                }
                _ => {}
            }
            let ustar = &block[257..263] == b"ustar\0";
            let name = pax_path.or(long_name).unwrap_or_else(|| {
                let name = trim_nul(&block[0..100]);
                let prefix = trim_nul(&block[345..500]);
                if ustar && !prefix.is_empty() {
                    let mut p = prefix.to_vec();
                    p.push(b'/');
                    p.extend_from_slice(name);
                    p
                } else {
                    name.to_vec()
                }
            });
            let link = pax_link
                .or(long_link)
                .unwrap_or_else(|| trim_nul(&block[157..257]).to_vec());
            let size = pax_size.unwrap_or(size);
            let kind = match typeflag {
                b'0' | b'7' => Kind::File,
                0 if name.ends_with(b"/") => Kind::Dir,
                0 => Kind::File,
                b'5' => Kind::Dir,
                b'2' => Kind::Symlink,
                b'1' => Kind::HardLink,
                t => Kind::Other(t),
            };
            let mode = parse_number(&block[100..108]).unwrap_or(0) as u32;
            // Links and directories carry no data whatever their size field says.
            let data = match kind {
                Kind::Dir | Kind::Symlink | Kind::HardLink => 0,
                _ => size,
            };
            self.remaining = data;
            self.padding = (BLOCK - data % BLOCK) % BLOCK;
            let link = matches!(kind, Kind::Symlink | Kind::HardLink)
                .then(|| String::from_utf8_lossy(&link).into_owned());
            return Ok(Some(Header {
                path: String::from_utf8_lossy(&name).into_owned(),
                link,
                kind,
                size: data,
                mode,
            }));
        }
    }

    /// Reads the current entry's data (at most what is left of it). Returns 0 at its end; an
    /// input that ends early yields an `UnexpectedEof` error.
    pub fn read_data(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf
            .len()
            .min(self.remaining.min(usize::MAX as u64) as usize);
        let n = loop {
            match self.inner.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "tar entry data truncated ({} bytes missing)",
                    self.remaining
                ),
            ));
        }
        self.pos += n as u64;
        self.remaining -= n as u64;
        Ok(n)
    }

    /// The input itself, e.g. to drain what follows the end marker.
    pub fn data_after_end(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Data bytes of the current entry not yet read.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// A `Read` over the current entry's data.
    pub fn data(&mut self) -> EntryData<'_, R> {
        EntryData { tar: self }
    }

    fn read_meta(&mut self, size: u64, at: u64) -> Result<Vec<u8>, TarError> {
        if size > MAX_META {
            return Err(TarError::Malformed {
                at,
                what: format!("{size}-byte metadata record"),
            });
        }
        let padded = size.div_ceil(BLOCK) * BLOCK;
        let mut body = vec![0u8; padded as usize];
        if (self.read_full(&mut body)? as u64) < padded {
            return Err(TarError::Truncated(self.pos));
        }
        body.truncate(size as usize);
        Ok(body)
    }

    /// Reads until `buf` is full or the input ends; returns the bytes read.
    fn read_full(&mut self, buf: &mut [u8]) -> Result<usize, TarError> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(TarError::Io {
                        at: self.pos + n as u64,
                        source: e,
                    });
                }
            }
        }
        self.pos += n as u64;
        Ok(n)
    }

    /// Discards up to `n` bytes; returns how many there were.
    fn skip(&mut self, n: u64) -> Result<u64, TarError> {
        let at = self.pos;
        let got = match self.skipper {
            Some(skip) => skip(&mut self.inner, n),
            None => io::copy(&mut (&mut self.inner).take(n), &mut io::sink()),
        }
        .map_err(|source| TarError::Io { at, source })?;
        self.pos += got;
        Ok(got)
    }
}

/// `Read` over one entry's data; see [`TarReader::read_data`].
pub struct EntryData<'a, R> {
    tar: &'a mut TarReader<R>,
}

impl<R: Read> Read for EntryData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tar.read_data(buf)
    }
}

fn trim_nul(b: &[u8]) -> &[u8] {
    match memchr::memchr(0, b) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// The header checksum: the sum of all bytes with the checksum field read as spaces. Both the
/// unsigned and the (historic) signed sum are accepted.
fn checksum_ok(block: &[u8; BLOCK as usize]) -> bool {
    let Some(stored) = parse_number(&block[148..156]) else {
        return false;
    };
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    // Fuzz builds (`cargo fuzz`) accept any well-formed checksum, so mutated headers reach the
    // fields behind it.
    cfg!(fuzzing) || stored == unsigned || i64::try_from(stored).is_ok_and(|s| s == signed)
}

/// Parses an octal field (spaces and NULs around it allowed) or a GNU base-256 number.
fn parse_number(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|&b| b & 0x80 != 0) {
        // Base-256: the rest of the first byte's low bits and every following byte.
        let mut v: u64 = u64::from(field[0] & 0x7f);
        for &b in &field[1..] {
            v = v.checked_mul(256)?.checked_add(u64::from(b))?;
        }
        return Some(v);
    }
    let s: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ' || b == 0)
        .take_while(|&b| b != b' ' && b != 0)
        .collect();
    if s.is_empty() {
        return Some(0);
    }
    let s = std::str::from_utf8(&s).ok()?;
    u64::from_str_radix(s, 8).ok()
}

/// PAX records: `"<len> <key>=<value>\n"`, repeated.
fn parse_pax(mut body: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let Some(sp) = memchr::memchr(b' ', body) else {
            break;
        };
        let Some(len) = std::str::from_utf8(&body[..sp])
            .ok()
            .and_then(|s| s.parse::<usize>().ok())
        else {
            break;
        };
        if len <= sp + 1 || len > body.len() {
            break;
        }
        let rec = &body[sp + 1..len];
        let rec = rec.strip_suffix(b"\n").unwrap_or(rec);
        if let Some(eq) = memchr::memchr(b'=', rec) {
            out.push((&rec[..eq], &rec[eq + 1..]));
        }
        body = &body[len..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, typeflag: u8, size: u64) -> [u8; 512] {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..107].copy_from_slice(b"0000644");
        h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = typeflag;
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        h
    }

    fn entry(out: &mut Vec<u8>, name: &str, typeflag: u8, data: &[u8]) {
        out.extend_from_slice(&header(name, typeflag, data.len() as u64));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }

    fn read_all(bytes: &[u8]) -> (Vec<(String, Vec<u8>)>, Option<TarError>) {
        let mut t = TarReader::new(bytes);
        let mut out = Vec::new();
        loop {
            match t.next_entry() {
                Ok(Some(h)) => {
                    let mut d = Vec::new();
                    if let Err(e) = t.data().read_to_end(&mut d) {
                        return (out, Some(TarError::Io { at: 0, source: e }));
                    }
                    out.push((h.path, d));
                }
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn reads_entries_long_names_and_pax() {
        let mut t = Vec::new();
        entry(&mut t, "a.txt", b'0', b"hello");
        let long = format!("{}/file.txt", "d".repeat(150));
        entry(
            &mut t,
            "././@LongLink",
            b'L',
            format!("{long}\0").as_bytes(),
        );
        entry(&mut t, "trunc", b'0', b"x");
        entry(&mut t, "pax", b'x', b"21 path=pax/name.txt\n");
        entry(&mut t, "ignored", b'0', b"yz");
        entry(&mut t, "dir/", b'5', b"");
        t.extend_from_slice(&[0u8; 1024]);
        let (es, err) = read_all(&t);
        assert!(err.is_none(), "{err:?}");
        let names: Vec<&str> = es.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, ["a.txt", long.as_str(), "pax/name.txt", "dir/"]);
        assert_eq!(es[0].1, b"hello");
        assert_eq!(es[2].1, b"yz");
    }

    #[test]
    fn footerless_and_unpadded_tars_end_cleanly() {
        let mut t = Vec::new();
        entry(&mut t, "a", b'0', b"abcd");
        let unpadded = &t[..512 + 4];
        let (es, err) = read_all(unpadded);
        assert!(err.is_none(), "{err:?}");
        assert_eq!(es.len(), 1);
        assert_eq!(es[0].1, b"abcd");
    }

    #[test]
    fn truncation_and_garbage_are_errors_after_what_was_read() {
        let mut t = Vec::new();
        entry(&mut t, "a", b'0', b"abcd");
        entry(&mut t, "b", b'0', &[b'x'; 2000]);
        let (es, err) = read_all(&t[..512 + 512 + 512 + 100]);
        assert_eq!(es.len(), 1);
        assert!(err.is_some());
        let (_, err) = read_all(&t[..512 + 512 + 300]);
        assert!(matches!(err, Some(TarError::Truncated(_))), "{err:?}");
        let (es, err) = read_all(&[7u8; 1024]);
        assert!(es.is_empty());
        assert!(matches!(err, Some(TarError::BadHeader(0))));
    }

    #[test]
    fn numbers_octal_and_base256() {
        assert_eq!(parse_number(b"0000644 \0"), Some(0o644));
        assert_eq!(parse_number(b"   17\0"), Some(0o17));
        assert_eq!(parse_number(&[0x80, 0, 0, 1, 0]), Some(256));
        assert_eq!(parse_number(b"9z"), None);
    }
}
