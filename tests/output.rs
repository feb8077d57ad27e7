//! `-o FILE` (export, report html): a new file or a regular file replaced atomically, `-` for
//! standard output, and nothing else. A symbolic link, a FIFO or a folder is refused with exit
//! status 2, and left exactly as it was. Devices cannot be made without root: the decision for
//! them is unit-tested on the type of `/dev/null` (src/cli/output.rs), whose metadata is only
//! read; nothing here writes outside its temp folder. See docs/faults.md.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

/// The two commands that take `-o`, each with its arguments before it.
const WRITERS: &[&[&str]] = &[&["export"], &["report", "html"]];

/// `args` then `-o path`.
fn to(args: &[&str], path: &Path) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    v.push("-o".into());
    v.push(arg(path).into());
    v
}

/// What the folder holds, by name (hidden temporary files included).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_regular_file_is_replaced_whole_and_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let l = Ledger::with_one_entry();
    let out = tempfile::tempdir().expect("temp dir");
    for args in WRITERS {
        let file = out.path().join("out");
        std::fs::write(&file, "an older export that is longer than nothing\n").expect("write");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).expect("chmod");
        l.cmd().args(to(args, &file)).run().ok();
        let expected = l.cmd().args(*args).run().ok().stdout;
        assert_eq!(std::fs::read_to_string(&file).expect("read"), expected);
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640, "{args:?}");
        // No temporary file left beside it.
        assert_eq!(names(out.path()), ["out"]);
        std::fs::remove_file(&file).expect("remove");
        // A new file.
        l.cmd().args(to(args, &file)).run().ok();
        assert_eq!(std::fs::read_to_string(&file).expect("read"), expected);
        std::fs::remove_file(&file).expect("remove");
    }
}

#[test]
fn a_dash_is_standard_output() {
    let l = Ledger::with_one_entry();
    for args in WRITERS {
        let expected = l.cmd().args(*args).run().ok().stdout;
        // Run in the temp folder, where a file named `-` would be written.
        let out = l
            .cmd()
            .args(*args)
            .args(["-o", "-"])
            .command()
            .current_dir(l.dir.path())
            .output()
            .expect("run gasledger");
        assert!(out.status.success(), "{args:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
        assert!(
            !l.dir.path().join("-").exists(),
            "{args:?} wrote a file named -"
        );
    }
}

#[test]
fn a_symbolic_link_is_refused_and_neither_it_nor_its_target_changes() {
    let l = Ledger::with_one_entry();
    let out = tempfile::tempdir().expect("temp dir");
    let target = write_file(out.path(), "target", "the target's own text\n");
    let link = out.path().join("link");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    for args in WRITERS {
        let r = l.cmd().args(to(args, &link)).run();
        let r = r.fails(2, &format!("cannot write {}", link.display()));
        assert!(r.stderr.contains("is a symbolic link to"), "{}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?} wrote to standard output");
        let meta = std::fs::symlink_metadata(&link).expect("metadata");
        assert!(meta.file_type().is_symlink(), "{args:?} replaced the link");
        assert_eq!(std::fs::read_link(&link).expect("read link"), target);
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "the target's own text\n"
        );
        assert_eq!(names(out.path()), ["link", "target"]);
    }
}

#[test]
fn a_folder_is_refused() {
    let l = Ledger::with_one_entry();
    let out = tempfile::tempdir().expect("temp dir");
    let folder = out.path().join("folder");
    std::fs::create_dir(&folder).expect("mkdir");
    for args in WRITERS {
        l.cmd()
            .args(to(args, &folder))
            .run()
            .fails(2, "is a folder; -o replaces only a regular file");
        assert!(names(&folder).is_empty());
        assert_eq!(names(out.path()), ["folder"]);
    }
}

/// A FIFO stays a FIFO, nobody reads from it, and the command does not block on it.
#[test]
fn a_fifo_is_refused() {
    let l = Ledger::with_one_entry();
    let out = tempfile::tempdir().expect("temp dir");
    let fifo = out.path().join("fifo");
    match Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("skipped: mkfifo is not available here ({other:?})");
            return;
        }
    }
    for args in WRITERS {
        l.cmd()
            .args(to(args, &fifo))
            .run()
            .fails(2, "is a FIFO (named pipe)");
        let t = std::fs::symlink_metadata(&fifo)
            .expect("metadata")
            .file_type();
        assert!(std::os::unix::fs::FileTypeExt::is_fifo(&t), "{args:?}");
        assert_eq!(names(out.path()), ["fifo"]);
    }
}
