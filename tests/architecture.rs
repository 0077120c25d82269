//! The core's modules depend on each other without cycles: `line_index`
//! (spans and positions) is a leaf under the lexer and the diagnostics, the
//! lint rules know nothing of migrations or projects, and `src/wasm/` is
//! the only place that knows JavaScript.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top-level module -> the top-level modules it names through `crate::`.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let deps = graph.entry(module.clone()).or_default();
        for (at, _) in text.match_indices("crate::") {
            let name: String = text[at + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() && name != module {
                deps.insert(name);
            }
        }
    }
    graph
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = graph();
    // Depth-first search for a way back to where it started.
    fn reaches(
        graph: &BTreeMap<String, BTreeSet<String>>,
        from: &str,
        to: &str,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        for next in graph.get(from).into_iter().flatten() {
            if next == to || (seen.insert(next.clone()) && reaches(graph, next, to, seen)) {
                return true;
            }
        }
        false
    }
    for module in graph.keys() {
        assert!(
            !reaches(&graph, module, module, &mut BTreeSet::new()),
            "{module} depends on itself through others: {graph:?}"
        );
    }
}

#[test]
fn leaves_stay_leaves() {
    let graph = graph();
    let allowed = |module: &str, deps: &[&str]| {
        let actual = graph.get(module).cloned().unwrap_or_default();
        let extra: Vec<_> = actual
            .iter()
            .filter(|d| !deps.contains(&d.as_str()))
            .collect();
        assert!(
            extra.is_empty(),
            "{module} should depend on {deps:?} only, also names {extra:?}"
        );
    };
    allowed("line_index", &["bytes"]);
    allowed("sql", &["line_index"]);
    allowed("lint", &["diagnostic", "line_index", "sql"]);
    for (module, deps) in &graph {
        if module != "wasm" {
            assert!(!deps.contains("wasm"), "{module} uses the wasm boundary");
        }
    }
}
