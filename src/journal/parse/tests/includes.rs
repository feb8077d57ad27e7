//! Includes: followed relative to the including file, their errors, cycles; refused by a bare
//! parser.

use super::*;
use std::fs;

#[test]
fn bare_parser_refuses_include() {
    let mut p = Parser::new("t.ledger", &b"include other.ledger\n"[..]);
    let e = p.next().unwrap().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Include);
    assert!(
        e.to_string()
            .starts_with("t.ledger:1:9: include is only followed"),
        "{e}"
    );
}

#[test]
fn include_relative_to_the_including_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join("sub")).unwrap();
    fs::write(
        root.join("main.ledger"),
        "account TM\ninclude sub/a.ledger  ; the rest\naccount IR\n",
    )
    .unwrap();
    fs::write(
        root.join("sub/a.ledger"),
        "2022-01-01 a\n    TM:x  1 USD\ninclude b.ledger\n",
    )
    .unwrap();
    fs::write(root.join("sub/b.ledger"), "account AZ\n").unwrap();
    let ds: Vec<_> = open(&root.join("main.ledger"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let names: Vec<String> = ds
        .iter()
        .map(|d| match &d.item {
            Directive::Party(p) => p.code.clone(),
            Directive::Transaction(t) => t.description.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["TM", "a", "AZ", "IR"]);
    assert!(ds[2].at.file.ends_with("sub/b.ledger"), "{}", ds[2].at);
    assert_eq!(ds[2].at.line, 1);
}

#[test]
fn errors_in_an_included_file_name_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("main.ledger"), "include bad.ledger\n").unwrap();
    fs::write(root.join("bad.ledger"), "; fine\nbogus\n").unwrap();
    let e = open(&root.join("main.ledger"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    let want = format!(
        "{}:2:1: unknown directive",
        root.join("bad.ledger").display()
    );
    assert!(e.to_string().starts_with(&want), "{e}");
}

#[test]
fn missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let missing = root.join("none.ledger");
    let e = open(&missing).err().unwrap();
    assert_eq!(e.kind, ErrorKind::Io(std::io::ErrorKind::NotFound));
    assert!(
        e.to_string()
            .starts_with(&format!("{}: cannot open journal:", missing.display())),
        "{e}"
    );
    fs::write(root.join("main.ledger"), "\ninclude  none.ledger\n").unwrap();
    let e = open(&root.join("main.ledger"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Io(std::io::ErrorKind::NotFound));
    let want = format!(
        "{}:2:10: cannot open included file {}:",
        root.join("main.ledger").display(),
        missing.display()
    );
    assert!(e.to_string().starts_with(&want), "{e}");
}

#[test]
fn include_cycles_detected() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("a.ledger"), "account TM\ninclude b.ledger\n").unwrap();
    fs::write(root.join("b.ledger"), "include ./a.ledger\n").unwrap();
    let e = open(&root.join("a.ledger"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Include);
    let msg = e.to_string();
    let a = root.join("a.ledger").display().to_string();
    let b = root.join("b.ledger").display().to_string();
    let again = root.join("./a.ledger").display().to_string();
    assert_eq!(
        msg,
        format!("{b}:1:9: include cycle: {a} includes {b} includes {again}")
    );
    fs::write(root.join("self.ledger"), "include self.ledger\n").unwrap();
    let e = open(&root.join("self.ledger"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Include);
}

#[test]
fn the_same_file_twice_is_not_a_cycle() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("main.ledger"),
        "include c.ledger\ninclude c.ledger\n",
    )
    .unwrap();
    fs::write(root.join("c.ledger"), "account TM\n").unwrap();
    let ds = open(&root.join("main.ledger"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert_eq!(ds.len(), 2);
}

#[test]
fn parse_str_resolves_includes_next_to_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("c.ledger"), "account TM\n").unwrap();
    let name = root.join("virtual.ledger").display().to_string();
    let ds = parse_str(&name, "include c.ledger\naccount IR\n").unwrap();
    assert_eq!(ds.len(), 2);
}

#[test]
fn globs_refused() {
    let e = error("include *.ledger\n");
    assert!(
        e.starts_with("t.ledger:1:9: include globs are not supported"),
        "{e}"
    );
}
