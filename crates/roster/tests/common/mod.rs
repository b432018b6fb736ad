//! The one way the binary's integration tests run `roster`: a command that runs once
//! ([`roster`]) and a server process ([`serve`]). Each `tests/*.rs` is its own crate and
//! includes this module with `mod common;`.

// Every test crate uses a different part of this module; the rest would warn there.
#![allow(dead_code)]

pub mod python;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The database URL of a SQLite file.
pub fn sqlite(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// `roster` with no configuration from the environment of whoever runs the tests: a
/// `ROSTER_LISTEN` or `WEBEX_ACCESS_TOKEN` left in a shell must not change what a test sees.
fn roster_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roster"));
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("ROSTER_") || key == "WEBEX_ACCESS_TOKEN" {
            command.env_remove(&*key);
        }
    }
    command.env("RUST_LOG", "warn");
    command
}

/// One run of `roster ARGS`, built up with [`Run::database`] and [`Run::env`], then run
/// with [`Run::run`] (any outcome), [`Run::ok`] (must succeed) or [`Run::fails`].
pub fn roster(args: &[&str]) -> Run {
    let mut command = roster_command();
    command.args(args);
    Run { command }
}

pub struct Run {
    command: Command,
}

impl Run {
    /// The database the command works on (`ROSTER_DATABASE_URL`).
    pub fn database(self, url: &str) -> Run {
        self.env("ROSTER_DATABASE_URL", url)
    }

    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.command.env(key, value);
        self
    }

    /// Runs the command to its end, whatever its exit status.
    pub fn run(mut self) -> Outcome {
        let output = self
            .command
            .output()
            .unwrap_or_else(|e| panic!("could not run {:?}: {e}", self.command));
        let text = |bytes: Vec<u8>, stream: &str| {
            String::from_utf8(bytes)
                .unwrap_or_else(|e| panic!("{stream} of {:?} is not UTF-8: {e}", self.command))
        };
        Outcome {
            args: args_of(&self.command),
            status: output.status,
            stdout: text(output.stdout, "stdout"),
            stderr: text(output.stderr, "stderr"),
        }
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(self) -> String {
        let outcome = self.run();
        assert!(outcome.status.success(), "{outcome}");
        outcome.stdout
    }

    /// Runs a command that must succeed and print one line (a token, an id); returns it.
    pub fn ok_line(self) -> String {
        let outcome = self.run();
        assert!(outcome.status.success(), "{outcome}");
        assert_eq!(outcome.stdout.lines().count(), 1, "one line: {outcome}");
        outcome.stdout.trim().to_string()
    }

    /// Runs a command that must fail.
    pub fn fails(self) -> Outcome {
        let outcome = self.run();
        assert!(!outcome.status.success(), "should have failed: {outcome}");
        outcome
    }
}

/// How a run of `roster` ended and what it printed.
pub struct Outcome {
    args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Everything needed to see why a run did not go as a test expected.
impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "roster {:?}: {}\n--- stdout ---\n{}--- stderr ---\n{}",
            self.args, self.status, self.stdout, self.stderr
        )
    }
}

fn args_of(command: &Command) -> Vec<String> {
    command
        .get_args()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect()
}

/// `roster init` of an organization "Acme" with its admin admin@acme.test, on an empty
/// database; returns the admin's token.
pub fn init_acme(database_url: &str) -> String {
    roster(&["init", "--org", "Acme", "--admin-email", "admin@acme.test"])
        .database(database_url)
        .ok_line()
}

/// What `roster serve` logs once it accepts requests (at the `info` level).
pub const SERVING: &str = "serving the Webex People API";

/// What every token contains: `serve` prints a new database's tokens each on a line of
/// their own.
pub const TOKEN_MARK: &str = "_RSTR_";

/// `roster serve ARGS` on a free loopback port, started with [`Serve::start`].
pub fn serve(database_url: &str, args: &[&str]) -> Serve {
    Serve {
        database_url: database_url.to_string(),
        args: args.iter().map(|arg| arg.to_string()).collect(),
        log_level: "warn",
        bound: Duration::from_secs(30),
    }
}

pub struct Serve {
    database_url: String,
    args: Vec<String>,
    log_level: &'static str,
    bound: Duration,
}

impl Serve {
    /// `RUST_LOG` for the server (`warn` unless set).
    pub fn log_level(mut self, level: &'static str) -> Serve {
        self.log_level = level;
        self
    }

    /// How long the server may take to listen, to print an awaited line, or to stop on
    /// SIGTERM (30 s unless set).
    pub fn bound(mut self, bound: Duration) -> Serve {
        self.bound = bound;
        self
    }

    /// Spawns the server and returns once it accepts connections.
    pub fn start(self) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = roster_command()
            .args(["serve", "--listen", &listen])
            .args(&self.args)
            .env("ROSTER_DATABASE_URL", &self.database_url)
            .env("RUST_LOG", self.log_level)
            // `serve` prints its tokens and logs on stderr and nothing on stdout.
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn roster serve");
        let stderr = Arc::new(Mutex::new(Captured::default()));
        let reader = {
            let pipe = child.stderr.take().unwrap();
            let stderr = stderr.clone();
            std::thread::spawn(move || {
                let mut pipe = BufReader::new(pipe);
                let mut line = Vec::new();
                while pipe.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
                    let text = String::from_utf8_lossy(&line);
                    let text = text.strip_suffix('\n').unwrap_or(&text).to_string();
                    lock(&stderr).lines.push(text);
                    line.clear();
                }
                lock(&stderr).closed = true;
            })
        };
        let mut server = Server {
            child,
            port,
            base: format!("http://{listen}"),
            stderr,
            reader: Some(reader),
            bound: self.bound,
        };
        let deadline = Instant::now() + self.bound;
        while std::net::TcpStream::connect(&listen).is_err() {
            if let Some(status) = server.child.try_wait().unwrap() {
                // Dropping `server` as the panic unwinds shows what it printed.
                panic!("roster serve exited ({status}) before listening");
            }
            assert!(
                Instant::now() < deadline,
                "server did not start within {:?}",
                self.bound
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        server
    }
}

/// A TCP port on loopback that was free a moment ago, for a server the test starts.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The captured lines stay readable after a failed assertion that held the lock, so that
/// `Drop` can still show them.
fn lock(captured: &Mutex<Captured>) -> MutexGuard<'_, Captured> {
    captured.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
struct Captured {
    lines: Vec<String>,
    /// The server closed its stderr: no more lines will come.
    closed: bool,
}

/// A running `roster serve`, killed when dropped. If the test fails while it runs, what
/// the server printed is shown with the failure.
pub struct Server {
    child: Child,
    pub port: u16,
    /// `http://127.0.0.1:PORT`, without `/v1`.
    pub base: String,
    stderr: Arc<Mutex<Captured>>,
    reader: Option<JoinHandle<()>>,
    bound: Duration,
}

/// A server that has exited: its status and everything it printed on stderr.
pub struct Stopped {
    pub status: ExitStatus,
    pub stderr: String,
}

impl Server {
    /// Every stderr line from the start up to and including the first that contains
    /// `needle`, waiting for it within the bound.
    pub fn lines_until(&self, needle: &str) -> Vec<String> {
        let deadline = Instant::now() + self.bound;
        loop {
            {
                let captured = lock(&self.stderr);
                if let Some(at) = captured.lines.iter().position(|l| l.contains(needle)) {
                    return captured.lines[..=at].to_vec();
                }
                assert!(
                    !captured.closed,
                    "roster serve stopped without printing '{needle}': {:?}",
                    captured.lines
                );
                assert!(
                    Instant::now() < deadline,
                    "never saw '{needle}' in {:?}",
                    captured.lines
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The admin token a server prints first when it starts on an empty database.
    pub fn admin_token(&self) -> String {
        let lines = self.lines_until(TOKEN_MARK);
        lines.last().unwrap().trim().to_string()
    }

    /// Stops the server with SIGTERM, as a service manager does, and waits for it to exit
    /// within the bound.
    pub fn terminate(mut self) -> Stopped {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}: {sent}");
        let deadline = Instant::now() + self.bound;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop on SIGTERM within {:?}",
                self.bound
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        self.stopped(status)
    }

    /// Kills the server with SIGKILL: no shutdown code runs, as in a crash.
    pub fn kill(mut self) -> Stopped {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        self.stopped(status)
    }

    fn stopped(&mut self, status: ExitStatus) -> Stopped {
        self.join_reader();
        Stopped {
            status,
            stderr: self.stderr_text(),
        }
    }

    /// Waits until everything the exited server printed has been read.
    fn join_reader(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    fn stderr_text(&self) -> String {
        lock(&self.stderr)
            .lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            self.join_reader();
            for line in &lock(&self.stderr).lines {
                eprintln!("[roster serve :{}] {line}", self.port);
            }
        }
    }
}
