//! The whole `--help` tree as one snapshot, so that a changed flag or wording shows up in review.

mod common;

use common::gasledger;

fn help(path: &[&str]) -> String {
    let out = gasledger()
        .args(path)
        .arg("--help")
        .env("COLUMNS", "100")
        .run();
    assert!(out.success(), "{path:?} --help failed");
    out.stdout
}

/// The subcommands listed under "Commands:" in a help text (but `help` itself).
fn subcommands(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

fn walk(path: Vec<String>, out: &mut String) {
    let args: Vec<&str> = path.iter().map(String::as_str).collect();
    let text = help(&args);
    out.push_str(
        &format!("$ gasledger {} --help\n{text}\n", args.join(" "))
            .replace("gasledger  --help", "gasledger --help"),
    );
    for sub in subcommands(&text) {
        let mut next = path.clone();
        next.push(sub);
        walk(next, out);
    }
}

#[test]
fn help_tree() {
    let mut all = String::new();
    walk(Vec::new(), &mut all);
    insta::assert_snapshot!(all);
}
