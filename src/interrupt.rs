//! Ctrl-C (SIGINT) and SIGTERM: the process exits promptly with 128 + the signal number after
//! removing every temporary file and directory it created, so an interrupted scan, report or
//! redaction leaves nothing behind and every file it was replacing is either old or new.
//!
//! Temporary files and directories are created through [`temp_file_in`] and [`temp_dir`],
//! which register them while the registry lock is held. The signal handler itself only writes
//! a byte to a pipe (almost nothing else is safe there); a watcher thread blocked on that pipe
//! takes the lock, removes what is registered and ends the process without unwinding. Anything
//! being created at that moment waits on the lock and never appears.

use std::io;
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

/// Write end of the wake-up pipe (-1 until [`install`]).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);
/// Registered temporary paths by id.
static REGISTRY: Mutex<Vec<(u64, PathBuf)>> = Mutex::new(Vec::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn registry() -> MutexGuard<'static, Vec<(u64, PathBuf)>> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = WAKE_FD.load(Ordering::Relaxed);
    if fd >= 0 {
        let b = sig as u8;
        // SAFETY: write(2) is async-signal-safe; `b` outlives the call.
        unsafe {
            libc::write(fd, (&raw const b).cast(), 1);
        }
    }
}

/// Installs the SIGINT and SIGTERM handlers and the watcher thread (once per process). A
/// signal the process inherited as ignored (a background job of a script) stays ignored.
pub fn install() -> io::Result<()> {
    static DONE: OnceLock<()> = OnceLock::new();
    if DONE.set(()).is_err() {
        return Ok(());
    }
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let read_fd = fds[0];
    std::thread::Builder::new()
        .name("leakhound-signals".into())
        .spawn(move || watch(read_fd))?;
    WAKE_FD.store(fds[1], Ordering::Relaxed);
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: plain sigaction calls with zero-initialised, fully set-up structs.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    Ok(())
}

/// Waits for a signal, removes every registered path and exits with 128 + the signal.
fn watch(fd: libc::c_int) {
    let mut b = 0u8;
    loop {
        // SAFETY: reads one byte into `b`.
        let n = unsafe { libc::read(fd, (&raw mut b).cast(), 1) };
        if n == 1 {
            break;
        }
        if n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return;
    }
    let sig = i32::from(b);
    // Held until the process ends: nothing new can be registered (created) meanwhile.
    let held = registry();
    for (_, p) in held.iter() {
        let _ = match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(p),
            Ok(_) => std::fs::remove_file(p),
            Err(_) => Ok(()),
        };
    }
    let name = if sig == libc::SIGINT {
        "interrupted"
    } else {
        "terminated"
    };
    eprintln!("\nleakhound: {name}; stopped without a report");
    // SAFETY: ends the process at once; no destructor or atexit handler runs, so no other
    // thread can observe half-torn-down state.
    unsafe { libc::_exit(128 + sig) }
}

/// A temporary file or directory that an interrupt removes. Dropping it removes it (through
/// the inner value) and then forgets it.
#[derive(Debug)]
pub struct Tracked<T> {
    inner: Option<T>,
    id: u64,
}

impl<T> Deref for Tracked<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.inner.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl<T> DerefMut for Tracked<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.inner.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl<T> Drop for Tracked<T> {
    fn drop(&mut self) {
        drop(self.inner.take());
        registry().retain(|(id, _)| *id != self.id);
    }
}

fn track<T>(
    create: impl FnOnce() -> io::Result<T>,
    path: impl Fn(&T) -> &Path,
) -> io::Result<Tracked<T>> {
    let mut reg = registry();
    let t = create()?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let p = path(&t);
    reg.push((
        id,
        std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
    ));
    Ok(Tracked { inner: Some(t), id })
}

/// A new temporary file in `dir` named `<prefix>XXXXXX.tmp`.
pub fn temp_file_in(dir: &Path, prefix: &str) -> io::Result<Tracked<tempfile::NamedTempFile>> {
    track(
        || {
            tempfile::Builder::new()
                .prefix(prefix)
                .suffix(".tmp")
                .tempfile_in(dir)
        },
        |f| f.path(),
    )
}

/// A new private temporary directory under the system temporary directory.
pub fn temp_dir() -> io::Result<Tracked<tempfile::TempDir>> {
    track(
        || tempfile::Builder::new().prefix("leakhound-").tempdir(),
        |d| d.path(),
    )
}

impl Tracked<tempfile::NamedTempFile> {
    /// Renames the file over `path` (atomically, on one file system), then forgets it.
    pub fn persist(mut self, path: &Path) -> Result<std::fs::File, tempfile::PersistError> {
        match self.inner.take() {
            Some(f) => f.persist(path),
            None => unreachable!(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(p: &Path) -> bool {
        let abs = std::path::absolute(p).unwrap();
        registry().iter().any(|(_, q)| *q == abs)
    }

    #[test]
    fn temporaries_are_registered_until_persisted_or_dropped() {
        let d = tempfile::tempdir().unwrap();
        let f = temp_file_in(d.path(), ".x-").unwrap();
        let p = f.path().to_path_buf();
        assert!(registered(&p));
        f.persist(&d.path().join("out")).unwrap();
        assert!(!registered(&p));
        assert!(d.path().join("out").exists() && !p.exists());

        let f = temp_file_in(d.path(), ".y-").unwrap();
        let p = f.path().to_path_buf();
        drop(f);
        assert!(!registered(&p) && !p.exists());

        let t = temp_dir().unwrap();
        let p = t.path().to_path_buf();
        assert!(registered(&p));
        drop(t);
        assert!(!registered(&p) && !p.exists());
    }
}
