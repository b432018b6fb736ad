//! Python venvs for tests that drive Roster with software someone else wrote (the Webex
//! SDK, a SCIM conformance suite): pinned requirements, installed from PyPI on first use.
//!
//! Needs `python3` (or `$ROSTER_TEST_PYTHON`) with the `venv` module, and network access
//! to PyPI the first time. Anything missing is a test failure saying what to install,
//! never a silent skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn show(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs a set-up command, failing the test with its output (or why it could not start).
fn must_run(what: &str, command: &mut Command) -> Output {
    let output = command.output().unwrap_or_else(|e| {
        panic!("{what}: could not run {command:?}: {e}. Install Python 3 with venv and pip (e.g. apt-get install python3 python3-venv), or point ROSTER_TEST_PYTHON at one.")
    });
    assert!(
        output.status.success(),
        "{what} failed: {command:?}\n{}",
        show(&output)
    );
    output
}

/// A venv with exactly the packages of `requirements_path` installed; returns its python.
///
/// The venv is named after `prefix` and a hash of the requirements, built in a private
/// staging directory and renamed into place only when complete, so concurrent test runs
/// sharing a target dir never see (or clear) a half-built one, and a changed requirements
/// file gets a new venv.
pub fn python_venv(requirements_path: &Path, prefix: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};

    let requirements = std::fs::read_to_string(requirements_path)
        .unwrap_or_else(|e| panic!("read {}: {e}", requirements_path.display()));
    let host_python = std::env::var("ROSTER_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (&requirements, &host_python).hash(&mut hasher);
    let name = format!("{prefix}-{:016x}", hasher.finish());
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = tmp.join(&name);
    let python = venv.join("bin/python");
    if python.exists() {
        return python;
    }

    let staging = tmp.join(format!("{name}.staging-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    must_run(
        "creating the Python venv",
        Command::new(&host_python)
            .args(["-m", "venv"])
            .arg(&staging),
    );
    must_run(
        "installing the pinned Python packages from PyPI (needs network on first run)",
        Command::new(staging.join("bin/python"))
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
                "-r",
            ])
            .arg(requirements_path),
    );
    if let Err(e) = std::fs::rename(&staging, &venv) {
        // Another run finished first; use its venv.
        let _ = std::fs::remove_dir_all(&staging);
        assert!(
            python.exists(),
            "move {} into place: {e}",
            staging.display()
        );
    }
    python
}
