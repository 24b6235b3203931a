//! `--output` to a device or FIFO writes in place; it must never replace the node with a regular
//! file (a `-o /dev/null` once turned the machine's /dev/null into a plain file).

use std::io::Read;
use std::process::Command;

#[test]
fn output_to_a_fifo_keeps_the_fifo() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("report.fifo");
    let st = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(st.success());
    std::fs::write(d.path().join("a.txt"), "nothing here\n").unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut s = String::new();
            std::fs::File::open(&fifo)
                .unwrap()
                .read_to_string(&mut s)
                .unwrap();
            s
        })
    };
    let out = Command::new(env!("CARGO_BIN_EXE_leakhound"))
        .args(["scan", "a.txt", "--no-progress", "--format", "json", "-o"])
        .arg(&fifo)
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = reader.join().unwrap();
    assert!(text.contains("\"findings\""), "{text}");
    use std::os::unix::fs::FileTypeExt;
    let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(ft.is_fifo(), "the FIFO was replaced");
}
