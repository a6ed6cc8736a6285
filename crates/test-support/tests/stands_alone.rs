//! The repository stands alone: nothing it builds, tests or runs reads a folder outside the
//! clone. Our own machines keep reference material in a `shared` folder beside the repository;
//! a user's clone has none, so a path into it would pass here and fail for everyone else.

use std::path::{Path, PathBuf};

/// Folders that hold no source of ours: build output, installed packages, git's own data.
const SKIPPED_DIRS: [&str; 5] = [".git", "target", "node_modules", "dist", "test-results"];

/// Extensions of files that a build, a test or a run reads or executes. Prose (`.md`) may name
/// the reference folder; code and configuration may not.
const CODE_EXTENSIONS: [&str; 14] =
    ["rs", "toml", "ts", "tsx", "js", "mjs", "cjs", "json", "sh", "py", "yml", "yaml", "html", "sql"];

fn repository_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", root.display()))
}

fn is_code_or_config(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    matches!(name, "Makefile" | "Dockerfile" | "run")
        || path.extension().and_then(|e| e.to_str()).is_some_and(|e| CODE_EXTENSIONS.contains(&e))
}

fn code_files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("entry in {}: {e}", dir.display())).path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name) {
                code_files_under(&path, out);
            }
        } else if is_code_or_config(&path) {
            out.push(path);
        }
    }
}

#[test]
fn no_code_reads_outside_the_repository() {
    let root = repository_root();
    assert!(root.join("Cargo.lock").is_file() && root.join("Makefile").is_file(), "repository root");
    let mut files = Vec::new();
    code_files_under(&root, &mut files);
    assert!(files.len() > 100, "the walk found the sources: {}", files.len());
    // Spelled in pieces so that this file does not match itself.
    let forbidden =
        [["..", "/shared"].concat(), ["shared", "/fixtures"].concat(), ["shared", "/floors"].concat()];
    let offenders: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let hit = forbidden.iter().find(|needle| text.contains(needle.as_str()))?;
            Some(format!("{} mentions {hit}", path.strip_prefix(&root).unwrap_or(path).display()))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "code or configuration reaches outside the repository:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_llm_transcripts_live_in_the_repository() {
    let dir = chatbot_test_support::llm_fixtures_dir();
    let dir = dir.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(dir.starts_with(repository_root()), "{} is inside the repository", dir.display());
    assert!(dir.join("README.md").is_file(), "the transcripts say where each behaviour comes from");
}

/// A machine without the toolchains: `make test` stops before any build with one message that
/// names each missing tool and how to install it.
#[test]
fn missing_tools_are_named_in_one_error_before_any_build() {
    let bin = tempfile::tempdir().expect("temporary directory");
    // Only what the check itself runs on: a shell and a few text tools.
    for tool in ["bash", "sed", "sort", "head", "awk", "id", "dirname"] {
        let found = ["/usr/bin", "/bin"].iter().map(|d| Path::new(d).join(tool)).find(|p| p.exists());
        let found = found.unwrap_or_else(|| panic!("{tool} on this machine"));
        std::os::unix::fs::symlink(&found, bin.path().join(tool)).expect("symlink");
    }
    let script = repository_root().join("scripts/check-tools.sh");
    let out = std::process::Command::new(bin.path().join("bash"))
        .arg(&script)
        .arg("test")
        .env("PATH", bin.path())
        .output()
        .expect("run check-tools.sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "one message: {stderr}");
    for named in
        ["cargo: install Rust with rustup", "node: Node.js 20+", "npm: ", "git: ", "cc: ", "redis-server: "]
    {
        assert!(stderr.contains(named), "names {named:?}: {stderr}");
    }

    // With the machine's own PATH nothing is missing (this test runs under cargo, after all).
    let out = std::process::Command::new(&script).arg("test").output().expect("run check-tools.sh");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
