//! The official Webex Python SDK (`webexpythonsdk`, pinned in `tests/sdk/requirements.txt`)
//! against the real `roster serve`, with nothing changed but its base URL.
//!
//! Needs `python3` (or `$ROSTER_TEST_PYTHON`) with the `venv` module, and network access to
//! PyPI the first time: the SDK is installed into a venv under the cargo target dir and
//! reinstalled only when the requirements file changes. Anything missing is a test
//! failure with a message saying what to install, never a silent skip.

mod common;

use common::python::{python_venv, show};
use common::{roster, serve, sqlite, Server};

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// How long the SDK script may take once the venv exists (it needs a few seconds).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(90);

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn sdk_dir() -> PathBuf {
    repo_root().join("tests/sdk")
}

/// A venv with exactly `tests/sdk/requirements.txt` installed; returns its python.
fn sdk_venv() -> PathBuf {
    // The tests of this file run in parallel threads of one process: build it once.
    static VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    VENV.get_or_init(|| python_venv(&sdk_dir().join("requirements.txt"), "sdk-venv"))
        .clone()
}

/// Lines of a child's pipe, read on a thread.
fn lines_of(pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// `roster serve --demo` on a fresh database, with the admin token it printed.
struct Demo {
    server: Server,
    database_url: String,
    admin_token: String,
    _dir: tempfile::TempDir,
}

impl Demo {
    fn start(extra: &[&str]) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let database_url = sqlite(&dir.path().join("roster.db"));
        let mut args = vec!["--demo"];
        args.extend_from_slice(extra);
        let server = serve(&database_url, &args).start();
        Demo {
            admin_token: server.admin_token(),
            server,
            database_url,
            _dir: dir,
        }
    }

    /// A token for an existing person, via `roster token create`.
    fn token_for(&self, email: &str) -> String {
        roster(&["token", "create", "--email", email])
            .database(&self.database_url)
            .ok_line()
    }
}

/// Runs `python script` with the server's coordinates; returns (success, report).
fn run_script(python: &Path, demo: &Demo, user_token: &str) -> (bool, String) {
    run_named_script(python, "test_people_sdk.py", demo, user_token, &[])
}

/// Runs a script of `tests/sdk` with the server's coordinates and `env`.
fn run_named_script(
    python: &Path,
    name: &str,
    demo: &Demo,
    user_token: &str,
    env: &[(&str, &str)],
) -> (bool, String) {
    let script = sdk_dir().join(name);
    let mut child = Command::new(python)
        .arg(&script)
        .envs(env.iter().copied())
        .env("ROSTER_BASE_URL", &demo.server.base)
        .env("ROSTER_ADMIN_TOKEN", &demo.admin_token)
        .env("ROSTER_USER_TOKEN", user_token)
        .env("PYTHONUNBUFFERED", "1")
        .env_remove("WEBEX_ACCESS_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("run {} {}: {e}", python.display(), script.display()));
    let stdout = lines_of(child.stdout.take().unwrap());
    let stderr = lines_of(child.stderr.take().unwrap());
    let deadline = Instant::now() + SCRIPT_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let collect = |rx: Receiver<String>| {
        let mut text = String::new();
        while let Ok(line) = rx.recv_timeout(Duration::from_secs(2)) {
            text.push_str(&line);
            text.push('\n');
        }
        text
    };
    let report = format!(
        "{}\n--- stdout ---\n{}--- stderr ---\n{}",
        match status {
            Some(status) => format!("python exited with {status}"),
            None => format!("python killed after {SCRIPT_TIMEOUT:?}"),
        },
        collect(stdout),
        collect(stderr)
    );
    (status.is_some_and(|s| s.success()), report)
}

#[test]
fn the_official_python_sdk_works_against_roster() {
    let python = sdk_venv();
    let demo = Demo::start(&[]);
    // A demo person with no admin role.
    let user_token = demo.token_for("alan.turing@example.com");

    let (ok, report) = run_script(&python, &demo, &user_token);
    assert!(ok, "the Python SDK script failed\n{report}");
    println!("{report}");
    assert!(
        report.contains("user: people.create() is refused"),
        "{report}"
    );
    assert!(report.contains("OK:"), "{report}");
}

#[test]
fn the_python_sdk_waits_and_retries_when_rate_limited() {
    let python = sdk_venv();
    // 60 per minute: a burst of 60, then one more each second (Retry-After: 1).
    let demo = Demo::start(&["--rate-limit", "60"]);
    let (ok, report) = run_named_script(&python, "test_rate_limit_sdk.py", &demo, "", &[]);
    assert!(ok, "the rate-limit script failed\n{report}");
    assert!(report.contains("every call succeeded"), "{report}");
}

#[test]
fn the_python_sdk_waits_out_an_injected_429_and_reports_a_dropped_connection() {
    let python = sdk_venv();
    let control_listen = format!("127.0.0.1:{}", free_port());
    let demo = Demo::start(&["--control-listen", &control_listen]);
    // The generated control token, printed once on stderr.
    let lines = demo
        .server
        .lines_until(roster_server::control::CONTROL_TOKEN_PREFIX);
    let control_token = lines.last().unwrap().trim().to_string();
    let control_url = format!("http://{control_listen}");
    let (ok, report) = run_named_script(
        &python,
        "test_control_sdk.py",
        &demo,
        "",
        &[
            ("ROSTER_CONTROL_URL", &control_url),
            ("ROSTER_CONTROL_TOKEN", &control_token),
        ],
    );
    assert!(ok, "the control script failed\n{report}");
    assert!(report.contains("waited out the 429"), "{report}");
    assert!(report.contains("dropped connection raised"), "{report}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A fresh authorization code for `email`, as `/v1/authorize` gives it after a sign-in that
/// was approved ahead of time in the database (the browser flow is tested in
/// `roster-server/tests/oauth/browser.rs`).
fn approved_code(demo: &Demo, email: &str, client_id: &str, redirect: &str) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = roster_store::open(&demo.database_url, &Default::default())
            .await
            .unwrap();
        let person = store.find_person_by_email(email).await.unwrap().unwrap();
        store
            .approve_sign_in(person.id, Some(client_id))
            .await
            .unwrap();
        store.close().await;
    });
    let query = query_string(&[
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", "spark:people_read"),
    ]);
    let browser = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = browser
        .get(format!("{}/v1/authorize?{query}", demo.server.base))
        .send()
        .unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let url = reqwest::Url::parse(&location).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned());
    code.unwrap_or_else(|| panic!("no code in {location}"))
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut url = reqwest::Url::parse("http://x/").unwrap();
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or_default().to_string()
}

#[test]
fn the_python_sdk_exchanges_codes_and_refreshes_tokens() {
    let python = sdk_venv();
    let demo = Demo::start(&[]);
    let redirect = "http://127.0.0.1:9/callback";
    let created = roster(&[
        "integration",
        "create",
        "--name",
        "SDK app",
        "--redirect-uri",
        redirect,
        "--scope",
        "spark:people_read",
        "--json",
    ])
    .database(&demo.database_url)
    .ok();
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let client_id = created["clientId"].as_str().unwrap();
    let secret = created["clientSecret"].as_str().unwrap();
    let email = "alan.turing@example.com";
    let first = approved_code(&demo, email, client_id, redirect);
    let second = approved_code(&demo, email, client_id, redirect);

    let script = sdk_dir().join("test_oauth_sdk.py");
    let output = Command::new(&python)
        .arg(&script)
        .env("ROSTER_BASE_URL", &demo.server.base)
        .env("ROSTER_CLIENT_ID", client_id)
        .env("ROSTER_CLIENT_SECRET", secret)
        .env("ROSTER_REDIRECT_URI", redirect)
        .env("ROSTER_CODE", &first)
        .env("ROSTER_SECOND_CODE", &second)
        .env("ROSTER_EXPECTED_EMAIL", email)
        .env_remove("WEBEX_ACCESS_TOKEN")
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", python.display()));
    let report = show(&output);
    assert!(
        output.status.success(),
        "the OAuth SDK script failed\n{report}"
    );
    assert!(
        report.contains("OK: the SDK's OAuth calls work"),
        "{report}"
    );
}
