//! The layers of the server import downwards only: the modules under `src/` (one per top-level
//! file or folder) form no circle, and the rules of `docs/architecture.md` hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Which top-level module each top-level module names as `crate::…` outside comments.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src");
        let first = relative.components().next().expect("a component");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if ["lib", "main", "layers"].contains(&module.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("read a source file");
        let edges = graph.entry(module.clone()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (at, _) in line.match_indices("crate::") {
                let name: String = line[at + 7..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && name != module {
                    edges.insert(name);
                }
            }
        }
    }
    graph
}

fn reaches(graph: &BTreeMap<String, BTreeSet<String>>, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(module) = stack.pop() {
        for next in graph.get(&module).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    false
}

#[test]
fn the_modules_import_each_other_in_no_circle() {
    let graph = imports();
    let circles: Vec<String> = graph
        .iter()
        .flat_map(|(module, edges)| edges.iter().map(move |next| (module, next)))
        .filter(|(module, next)| reaches(&graph, next, module))
        .map(|(module, next)| format!("{module} -> {next}"))
        .collect();
    assert!(circles.is_empty(), "imports in a circle: {circles:?}");
}

#[test]
fn the_worker_services_and_stores_stay_below_the_http_layer() {
    let graph = imports();
    for (from, to) in [
        ("notify", "http"),
        ("services", "http"),
        ("store", "services"),
        ("store", "http"),
        ("engine", "store"),
    ] {
        assert!(!reaches(&graph, from, to), "{from} reaches {to}: {graph:?}");
    }
}
