//! Whether the built frontend in `dist/` is still what its inputs would build: a hash of every
//! input file's path and contents (the frontend, shared and attest crates, the public assets,
//! the HTML entry points, the workspace manifest and lock file, Trunk.toml, the compressor and
//! the pinned Chart.js) and of the tools' versions, kept in `dist/.inputs`.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

/// Directories whose every file is an input (recursively).
const INPUT_DIRS: &[&str] = &["frontend", "shared", "attest", "public"];
/// Single files that are inputs.
const INPUT_FILES: &[&str] = &[
    "Cargo.toml",
    "Cargo.lock",
    "Trunk.toml",
    ".cargo/config.toml",
    "xtask/compress.js",
    "node_modules/chart.js/package.json",
    "node_modules/binaryen/package.json",
];
/// What a finished build leaves; a missing one means building again whatever the stamp says.
pub const OUTPUTS: &[&str] = &[
    "index.html",
    "insights/index.html",
    "backoffice/index.html",
    "verify/index.html",
];
const STAMP: &str = ".inputs";

/// The fingerprint of the frontend's inputs, with `tools` (their versions) mixed in.
pub fn of_inputs(root: &Path, tools: &[&str]) -> String {
    let mut files = Vec::new();
    for dir in INPUT_DIRS {
        collect(&root.join(dir), &mut files);
    }
    files.extend(INPUT_FILES.iter().map(|file| root.join(file)));
    files.sort();
    let mut hasher = DefaultHasher::new();
    tools.hash(&mut hasher);
    for file in &files {
        let relative = file.strip_prefix(root).unwrap_or(file);
        relative.hash(&mut hasher);
        // A file that cannot be read hashes as absent, which differs from any content.
        std::fs::read(file).ok().hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

/// The mark of a build whose crates clippy linted (`cargo xtask test` builds them so).
const LINTED: &str = "linted";

/// True when `dist/` was built from inputs with this fingerprint and holds every output; when
/// `linted` is asked for, the build must also have been linted.
pub fn is_current(dist: &Path, fingerprint: &str, linted: bool) -> bool {
    OUTPUTS.iter().all(|output| dist.join(output).is_file())
        && std::fs::read_to_string(dist.join(STAMP)).is_ok_and(|stamp| {
            let mut words = stamp.split_whitespace();
            words.next() == Some(fingerprint) && (!linted || words.next() == Some(LINTED))
        })
}

/// Records that `dist/` now holds the build of these inputs (linted or not).
pub fn record(dist: &Path, fingerprint: &str, linted: bool) -> Result<(), String> {
    let stamp = match linted {
        true => format!("{fingerprint} {LINTED}"),
        false => fingerprint.to_owned(),
    };
    std::fs::write(dist.join(STAMP), stamp)
        .map_err(|e| format!("cannot write {}: {e}", dist.join(STAMP).display()))
}

/// Every file under `dir`, skipping build output (`public/vendor` is copied from
/// node_modules, whose package.json is an input on its own).
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.ends_with("public/vendor") {
            continue;
        }
        match entry.file_type() {
            Ok(kind) if kind.is_dir() => collect(&path, files),
            Ok(_) => files.push(path),
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_input_changes_the_fingerprint_and_a_missing_output_forces_a_build() {
        let root = std::env::temp_dir().join(format!("xtask-fingerprint-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("frontend/src")).unwrap();
        std::fs::create_dir_all(root.join("public/vendor")).unwrap();
        std::fs::write(root.join("frontend/src/main.rs"), "fn main() {}").unwrap();
        std::fs::write(root.join("public/vendor/chart.js"), "copied").unwrap();
        let first = of_inputs(&root, &["trunk 0.21.14"]);
        assert_eq!(first, of_inputs(&root, &["trunk 0.21.14"]));
        assert_ne!(first, of_inputs(&root, &["trunk 0.21.15"]));
        // The vendored copy is not an input; a source file is.
        std::fs::write(root.join("public/vendor/chart.js"), "copied again").unwrap();
        assert_eq!(first, of_inputs(&root, &["trunk 0.21.14"]));
        std::fs::write(root.join("frontend/src/main.rs"), "fn main() { }").unwrap();
        let second = of_inputs(&root, &["trunk 0.21.14"]);
        assert_ne!(first, second);

        let dist = root.join("dist");
        for output in OUTPUTS {
            let file = dist.join(output);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, "<!DOCTYPE html>").unwrap();
        }
        assert!(!is_current(&dist, &second, false));
        record(&dist, &second, false).unwrap();
        assert!(is_current(&dist, &second, false));
        assert!(!is_current(&dist, &first, false));
        // A build nobody linted does not count as linted; a linted one serves both.
        assert!(!is_current(&dist, &second, true));
        record(&dist, &second, true).unwrap();
        assert!(is_current(&dist, &second, true));
        assert!(is_current(&dist, &second, false));
        std::fs::remove_file(dist.join("verify/index.html")).unwrap();
        assert!(!is_current(&dist, &second, false));
        let _ = std::fs::remove_dir_all(&root);
    }
}
