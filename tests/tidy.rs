//! Tidy: the layers of the library hold. Reads every `crate::` path in `src/` (outside
//! comments) and fails when a module imports from a layer above its own or from a sibling in
//! its layer, and when files import each other in a cycle. The layers, lowest first:
//!
//! | rank | modules             | holds                                                   |
//! |------|---------------------|---------------------------------------------------------|
//! | 0    | `model`             | amounts, dates, texts, units; chart, transactions       |
//! | 1    | `journal`, `store`  | the text format; the embedded store                     |
//! | 2    | `swap`, `settle`    | the domain arithmetic, pure: they import `model` only   |
//! | 3    | `reports`           | read-only computations from the store, as tables        |
//! | 4    | `ops`, `checks`     | every write and its rules; the reconciliation checks    |
//! | 5    | `render`, `export`  | text, CSV, JSON, HTML, SVG, DOT; the journal dialects   |
//! | 6    | the binary's `cli`  | arguments in, one message and an exit status out        |
//!
//! The checks at the bottom of this file run the same functions on small made-up trees, so
//! that a broken rule is seen to fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layer of each top-level module of the library.
const LAYERS: &[(&str, u8)] = &[
    ("model", 0),
    ("journal", 1),
    ("store", 1),
    ("swap", 2),
    ("settle", 2),
    ("reports", 3),
    ("ops", 4),
    ("checks", 4),
    ("render", 5),
    ("export", 5),
];

/// A source file: its module path (`store::write`) and its text.
struct Source {
    module: Vec<String>,
    text: String,
}

/// Every `.rs` file under `root`, with its module path (`mod.rs` and `lib.rs` name their folder).
fn sources(root: &Path) -> Vec<Source> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path.strip_prefix(root).expect("under root");
                let mut module: Vec<String> = rel
                    .with_extension("")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    module.pop();
                }
                let text = std::fs::read_to_string(&path).expect("read source");
                out.push(Source { module, text });
            }
        }
    }
    out
}

/// The code of a file without its comments (line comments, doc comments, block comments) and
/// string literals, so that a path named in prose or in a message is not an import.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
        } else if b[i..].starts_with(b"'\"'") {
            i += 3;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// The module paths a file's code names through `crate::` (`crate::store::write::Writer` gives
/// `["store", "write", "Writer"]`), with `use crate::{a, b::c}` groups expanded one level.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let path = path_of(item.trim());
                if !path.is_empty() {
                    out.push(path);
                }
            }
        } else {
            out.push(path_of(rest));
        }
    }
    out
}

/// The leading `a::b::c` of `s`, as segments.
fn path_of(s: &str) -> Vec<String> {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(s.len());
    s[..end]
        .split("::")
        .filter(|x| !x.is_empty())
        .map(str::to_string)
        .collect()
}

/// Modules that stay pure: whatever their layer, they import only these.
const PURE: &[(&str, &[&str])] = &[("swap", &["model"]), ("settle", &["model"])];

fn rank(top: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == top).map(|(_, r)| *r)
}

/// Every import that breaks the layers: from a lower layer to a higher one, or between two
/// modules of one layer.
fn layer_breaks(files: &[Source]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let Some(from) = f.module.first() else {
            continue;
        };
        let Some(from_rank) = rank(from) else {
            continue;
        };
        for path in crate_paths(&code_only(&f.text)) {
            let Some(to) = path.first() else { continue };
            let Some(to_rank) = rank(to) else { continue };
            let impure = PURE
                .iter()
                .any(|(m, allowed)| m == from && to != from && !allowed.contains(&to.as_str()));
            if impure {
                out.push(format!(
                    "{} (pure) imports crate::{}",
                    f.module.join("::"),
                    path.join("::")
                ));
            } else if to != from && to_rank >= from_rank {
                out.push(format!(
                    "{} (layer {from_rank}) imports crate::{} (layer {to_rank})",
                    f.module.join("::"),
                    path.join("::")
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The module each file imports from (the longest prefix of a `crate::` path that is a file
/// of the tree), leaving out imports of a module's own ancestors: a `mod.rs` declares its
/// children, and a child using what its parent defines is not a cycle between files.
fn file_graph(files: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let edges = graph.entry(f.module.join("::")).or_default();
        for path in crate_paths(&code_only(&f.text)) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|p| known.contains(p));
            let Some(target) = target else { continue };
            if target != f.module && !f.module.starts_with(&target) {
                edges.insert(target.join("::"));
            }
        }
    }
    graph
}

/// The cycles of a graph, each as the modules it runs through (Tarjan's strongly connected
/// components of more than one module).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            let graph = self.graph;
            for w in graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

/// The binary's modules, which import each other through `super::` and `crate::cli::`: their
/// file graph, in the same form.
fn cli_graph(files: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let known: BTreeSet<String> = files
        .iter()
        .filter_map(|f| f.module.last().cloned())
        .collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in files {
        let name = f.module.join("::");
        let edges = graph.entry(name.clone()).or_default();
        let code = code_only(&f.text).replace("crate::cli::", "super::");
        for (at, _) in code.match_indices("super::") {
            let rest = &code[at + "super::".len()..];
            let targets: Vec<Vec<String>> = match rest.strip_prefix('{') {
                Some(group) => group[..group.find('}').unwrap_or(group.len())]
                    .split(',')
                    .map(|s| path_of(s.trim()))
                    .collect(),
                None => vec![path_of(rest)],
            };
            for t in targets {
                if let Some(first) = t.first().filter(|m| known.contains(*m)) {
                    let target = format!("cli::{first}");
                    if target != name && f.module.len() > 1 {
                        edges.insert(target);
                    }
                }
            }
        }
    }
    graph
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_layer_imports_from_above() {
    let breaks = layer_breaks(&sources(&src()));
    assert!(
        breaks.is_empty(),
        "imports against the layers:\n{}",
        breaks.join("\n")
    );
}

#[test]
fn no_modules_import_each_other_in_a_cycle() {
    let files = sources(&src());
    let found = cycles(&file_graph(&files));
    assert!(found.is_empty(), "import cycles in the library: {found:?}");
    let cli: Vec<Source> = files
        .into_iter()
        .filter(|f| f.module.first().map(String::as_str) == Some("cli"))
        .collect();
    let found = cycles(&cli_graph(&cli));
    assert!(found.is_empty(), "import cycles in the binary: {found:?}");
}

#[test]
fn every_top_level_module_has_a_layer() {
    let files = sources(&src());
    let tops: BTreeSet<&str> = files
        .iter()
        .filter(|f| f.module.len() == 1)
        .map(|f| f.module[0].as_str())
        .chain(
            files
                .iter()
                .filter(|f| f.module.len() > 1)
                .map(|f| f.module[0].as_str()),
        )
        .collect();
    let missing: Vec<&&str> = tops
        .iter()
        .filter(|m| **m != "cli" && rank(m).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "modules with no layer in tests/tidy.rs: {missing:?}"
    );
}

// The checks above, run on made-up trees: each rule is seen to fail.

fn tree(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(module, text)| Source {
            module: module.split("::").map(str::to_string).collect(),
            text: text.to_string(),
        })
        .collect()
}

#[test]
fn a_store_importing_an_operation_is_a_break() {
    let files = tree(&[
        ("store::write", "use crate::ops::rulebook::Rulebook;\n"),
        ("ops::rulebook", "use crate::store::Writer;\n"),
    ]);
    assert_eq!(
        layer_breaks(&files),
        ["store::write (layer 1) imports crate::ops::rulebook::Rulebook (layer 4)"]
    );
}

#[test]
fn siblings_in_a_layer_and_grouped_imports_are_breaks() {
    let files = tree(&[(
        "ops::import",
        "use crate::{model::amount::Amount, checks::Reconciliation};\nfn f() { crate::render::table::write(); }\n",
    )]);
    assert_eq!(
        layer_breaks(&files),
        [
            "ops::import (layer 4) imports crate::checks::Reconciliation (layer 4)",
            "ops::import (layer 4) imports crate::render::table::write (layer 5)",
        ]
    );
}

#[test]
fn the_domain_does_not_read_the_store() {
    let files = tree(&[("settle::debts", "use crate::store::Store;\n")]);
    assert_eq!(
        layer_breaks(&files),
        ["settle::debts (pure) imports crate::store::Store"]
    );
}

#[test]
fn paths_in_comments_and_strings_are_not_imports() {
    let files = tree(&[(
        "model::chart",
        "//! See [`crate::store::Writer`].\n/* crate::ops */\nconst S: &str = \"crate::render\";\n",
    )]);
    assert!(layer_breaks(&files).is_empty());
}

#[test]
fn a_cycle_between_files_is_found() {
    let files = tree(&[
        ("reports::balances", "use crate::render::table::Table;\n"),
        ("render::table", "use crate::checks::Reconciliation;\n"),
        ("checks", "use crate::reports::balances::is_under;\n"),
        ("store", "mod write; use crate::store::write::Writer;\n"),
        ("store::write", "use crate::store::Store;\n"),
    ]);
    assert_eq!(
        cycles(&file_graph(&files)),
        [vec!["checks", "render::table", "reports::balances"]]
    );
    let cli = tree(&[
        ("cli::html", "use super::{settle, CliError};\n"),
        ("cli::settle", "use super::html::DebtsFormatArg;\n"),
    ]);
    assert_eq!(cycles(&cli_graph(&cli)), [vec!["cli::html", "cli::settle"]]);
}
