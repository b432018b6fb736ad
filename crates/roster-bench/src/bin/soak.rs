//! The soak's load generator (`bench/soak.sh`): a mixed load against one Roster server for a
//! bounded time, keeping a ledger of every acknowledged write, then checking the server.
//!
//! Mix: 80% reads (`/me`, a person by id, a page of the list), 15% writes (5% creates, 10%
//! updates), 5% deletes, so that after the warm-up the directory keeps its size and a growing
//! resident memory means a leak, not a bigger directory. Until the first create is
//! acknowledged, a read, update or delete of a created person reads `/me` instead. From
//! `--connections` concurrent clients it records every answer's status; samples the
//! server's resident memory, open file descriptors and database pool (`/metrics`) every few
//! seconds; and at the end checks, through the API, that every
//! acknowledged create is present and every acknowledged delete gone. It prints a JSON
//! report, and exits non-zero when any check fails.

use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
struct Args {
    /// The server, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    base: String,
    /// A full admin's token.
    #[arg(long)]
    token: String,
    /// The server's process id, to sample its memory and file descriptors.
    #[arg(long)]
    pid: u32,
    /// How long to run the load.
    #[arg(long, value_parser = humantime_seconds, default_value = "600")]
    seconds: u64,
    #[arg(long, default_value_t = 32)]
    connections: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// How much resident memory may grow between the end of the warm-up and the end of the
    /// run (MiB) for memory to count as flat: room for the bounded caches to finish filling.
    #[arg(long, default_value_t = 8.0)]
    rss_growth_limit_mib: f64,
}

fn humantime_seconds(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text}"))?;
    match unit {
        "" | "s" => Ok(n),
        "m" => Ok(n * 60),
        "h" => Ok(n * 3600),
        _ => Err(format!("not a duration: {text}")),
    }
}

/// What the load generator knows to be true of the directory: acknowledged writes only.
#[derive(Default)]
struct Ledger {
    /// Email -> person id, for every acknowledged create not followed by an acknowledged
    /// delete.
    present: HashMap<String, String>,
    /// Emails whose delete was acknowledged.
    deleted: Vec<String>,
}

#[derive(Default)]
struct Tally {
    /// (operation, status) -> answers; status 0 is a transport error.
    answers: BTreeMap<(&'static str, u16), u64>,
    transport_errors: Vec<String>,
}

struct Sample {
    at: f64,
    rss_kib: u64,
    fds: u64,
    pool: Option<(f64, f64)>,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(soak(&args));
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    if report["ok"] != json!(true) {
        std::process::exit(1);
    }
}

async fn soak(args: &Args) -> Value {
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    // Warm-up: the first fifth of the run fills caches and the database pool; then, once
    // idle connections have timed out, the idle counts everything is compared with later.
    let warm_up = Duration::from_secs(args.seconds / 5);
    load(args, &ledger, &tally, warm_up, started, &mut Vec::new()).await;
    let idle_before = idle_sample(args, started).await;
    let mut samples = Vec::new();
    load(
        args,
        &ledger,
        &tally,
        Duration::from_secs(args.seconds) - warm_up,
        started,
        &mut samples,
    )
    .await;
    let idle_after = idle_sample(args, started).await;
    let (missing, resurrected) = verify(&reqwest::Client::new(), args, &ledger).await;

    let tally = tally.lock().unwrap();
    let server_errors: u64 = tally
        .answers
        .iter()
        .filter(|((_, s), _)| *s >= 500)
        .map(|(_, n)| n)
        .sum();
    let transport_errors: u64 = tally
        .answers
        .iter()
        .filter(|((_, s), _)| *s == 0)
        .map(|(_, n)| n)
        .sum();
    let total: u64 = tally.answers.values().sum();
    let samples: Vec<&Sample> = samples.iter().collect();
    let slope_mib_per_hour = slope(&samples) * 3600.0 / 1024.0;
    let rss_start = samples.first().map_or(0, |s| s.rss_kib);
    let rss_end = samples.last().map_or(0, |s| s.rss_kib);
    let rss_flat = (rss_end as f64 - rss_start as f64) / 1024.0 <= args.rss_growth_limit_mib;
    let fds_back = idle_after.fds <= idle_before.fds;
    let pool_back = matches!(
        (idle_before.pool, idle_after.pool),
        (Some(_), Some((size, idle))) if idle == size
    );
    let ledger = ledger.lock().unwrap();
    let ok = server_errors == 0
        && transport_errors == 0
        && missing.is_empty()
        && resurrected.is_empty()
        && rss_flat
        && fds_back
        && pool_back;
    json!({
        "ok": ok,
        "seconds": args.seconds,
        "connections": args.connections,
        "requests": total,
        "requests_per_second": total as f64 / args.seconds as f64,
        "answers": tally.answers.iter().map(|((op, s), n)| format!("{op} {s}: {n}")).collect::<Vec<_>>(),
        "server_errors": server_errors,
        "transport_errors": transport_errors,
        "transport_error_examples": tally.transport_errors,
        "ledger": {"present": ledger.present.len(), "deleted": ledger.deleted.len()},
        "acknowledged_creates_missing": missing,
        "acknowledged_deletes_present": resurrected,
        "rss_mib_after_warmup": {"start": rss_start as f64 / 1024.0, "end": rss_end as f64 / 1024.0,
                                  "slope_mib_per_hour": slope_mib_per_hour,
                                  "growth_limit": args.rss_growth_limit_mib, "flat": rss_flat},
        "open_fds": {"idle_before": idle_before.fds, "idle_after": idle_after.fds, "back": fds_back},
        "db_pool": {"idle_before": idle_before.pool, "idle_after": idle_after.pool, "back": pool_back},
    })
}

/// Runs the mixed load from `args.connections` clients for `length`, sampling the server
/// every 5 s into `samples`.
async fn load(
    args: &Args,
    ledger: &Arc<Mutex<Ledger>>,
    tally: &Arc<Mutex<Tally>>,
    length: Duration,
    started: Instant,
    samples: &mut Vec<Sample>,
) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.connections)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let until = Instant::now() + length;
    let mut workers = Vec::new();
    for worker in 0..args.connections {
        let (client, ledger, tally) = (client.clone(), ledger.clone(), tally.clone());
        let (base, token) = (args.base.clone(), args.token.clone());
        let seed = args.seed.wrapping_add(worker as u64) ^ started.elapsed().as_nanos() as u64;
        workers.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            while Instant::now() < until {
                // Numbers new people's emails, unique across workers and phases.
                static NEXT: AtomicU64 = AtomicU64::new(0);
                let n = NEXT.fetch_add(1, Ordering::Relaxed);
                let (operation, status) =
                    one_request(&client, &base, &token, &ledger, &mut rng, worker, n).await;
                let mut tally = tally.lock().unwrap();
                *tally
                    .answers
                    .entry((operation, status.as_ref().map_or(0, |s| *s)))
                    .or_default() += 1;
                if let Err(error) = status {
                    if tally.transport_errors.len() < 20 {
                        tally.transport_errors.push(format!("{operation}: {error}"));
                    }
                }
            }
        }));
    }
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_secs(5).min(until - Instant::now())).await;
        samples.push(sample(&client, args, started.elapsed().as_secs_f64()).await);
    }
    for worker in workers {
        worker.await.unwrap();
    }
}

/// The server at rest: after the load's connections have closed on both sides (the
/// server closes idle keep-alive connections after 30 s).
async fn idle_sample(args: &Args, started: Instant) -> Sample {
    tokio::time::sleep(Duration::from_secs(35)).await;
    // One connection, for /metrics, on top of the listener.
    sample(
        &reqwest::Client::new(),
        args,
        started.elapsed().as_secs_f64(),
    )
    .await
}

async fn one_request(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    ledger: &Mutex<Ledger>,
    rng: &mut StdRng,
    worker: usize,
    n: u64,
) -> (&'static str, Result<u16, String>) {
    let roll: u32 = rng.gen_range(0..100);
    let known = || {
        let ledger = ledger.lock().unwrap();
        if ledger.present.is_empty() {
            return None;
        }
        let skip = rand::random::<usize>() % ledger.present.len();
        ledger
            .present
            .iter()
            .nth(skip)
            .map(|(e, i)| (e.clone(), i.clone()))
    };
    let send = |request: reqwest::RequestBuilder| async move {
        match request.bearer_auth(token).send().await {
            Ok(answer) => {
                let status = answer.status().as_u16();
                let body: Value = answer.json().await.unwrap_or(Value::Null);
                Ok((status, body))
            }
            Err(error) => Err(error.to_string()),
        }
    };
    let status = |result: &Result<(u16, Value), String>| {
        result.as_ref().map(|(s, _)| *s).map_err(Clone::clone)
    };
    let read_me = || async {
        let result = send(client.get(format!("{base}/v1/people/me"))).await;
        ("me", status(&result))
    };
    match roll {
        0..=29 => {
            let result = send(client.get(format!("{base}/v1/people/me"))).await;
            ("me", status(&result))
        }
        30..=54 => match known() {
            Some((_, id)) => {
                let result = send(client.get(format!("{base}/v1/people/{id}"))).await;
                // A person deleted by another worker a moment ago is a fair 404.
                ("get", status(&result))
            }
            None => read_me().await,
        },
        55..=79 => {
            let result = send(client.get(format!("{base}/v1/people?max=100"))).await;
            ("list", status(&result))
        }
        80..=84 => {
            let email = format!("soak-{worker}-{n}@soak.test");
            let result =
                send(client.post(format!("{base}/v1/people")).json(
                    &json!({"emails": [email], "displayName": format!("Soak {worker} {n}")}),
                ))
                .await;
            if let Ok((200, body)) = &result {
                if let Some(id) = body["id"].as_str() {
                    ledger.lock().unwrap().present.insert(email, id.to_string());
                }
            }
            ("create", status(&result))
        }
        85..=94 => match known() {
            Some((email, id)) => {
                let result = send(
                    client
                        .put(format!("{base}/v1/people/{id}"))
                        .json(&json!({"emails": [email], "displayName": format!("Soak {worker} {n} updated"), "title": "Updated"})),
                )
                .await;
                ("update", status(&result))
            }
            None => read_me().await,
        },
        _ => match known() {
            Some((email, id)) => {
                let result = send(client.delete(format!("{base}/v1/people/{id}"))).await;
                if let Ok((204, _)) = &result {
                    let mut ledger = ledger.lock().unwrap();
                    ledger.present.remove(&email);
                    ledger.deleted.push(email);
                }
                ("delete", status(&result))
            }
            None => read_me().await,
        },
    }
}

/// The server's resident memory and open file descriptors, and its database pool from
/// `/metrics` (connections, idle connections).
async fn sample(client: &reqwest::Client, args: &Args, at: f64) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{}/status", args.pid)).unwrap_or_default();
    let rss_kib = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let fds = std::fs::read_dir(format!("/proc/{}/fd", args.pid)).map_or(0, |d| d.count() as u64);
    let metrics = match client.get(format!("{}/metrics", args.base)).send().await {
        Ok(answer) => answer.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    let gauge = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse::<f64>().ok())
    };
    let pool = gauge("roster_db_pool_connections").zip(gauge("roster_db_pool_idle_connections"));
    Sample {
        at,
        rss_kib,
        fds,
        pool,
    }
}

/// Through the API: the acknowledged creates that are missing, and the acknowledged deletes
/// that are present.
async fn verify(
    client: &reqwest::Client,
    args: &Args,
    ledger: &Mutex<Ledger>,
) -> (Vec<String>, Vec<String>) {
    let (present, deleted) = {
        let ledger = ledger.lock().unwrap();
        (
            ledger.present.keys().cloned().collect::<Vec<_>>(),
            ledger.deleted.clone(),
        )
    };
    let found = |email: String| async move {
        let answer: Value = client
            .get(format!("{}/v1/people", args.base))
            .query(&[("email", email.as_str())])
            .bearer_auth(&args.token)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        Some(
            answer["items"]
                .as_array()
                .is_some_and(|items| !items.is_empty()),
        )
    };
    let mut missing = Vec::new();
    for email in present {
        if found(email.clone()).await != Some(true) {
            missing.push(email);
        }
    }
    let mut resurrected = Vec::new();
    for email in deleted {
        if found(email.clone()).await != Some(false) {
            resurrected.push(email);
        }
    }
    (missing, resurrected)
}

/// The least-squares slope of resident memory over time, in KiB per second.
fn slope(samples: &[&Sample]) -> f64 {
    let n = samples.len() as f64;
    if n < 2.0 {
        return 0.0;
    }
    let mean_t = samples.iter().map(|s| s.at).sum::<f64>() / n;
    let mean_m = samples.iter().map(|s| s.rss_kib as f64).sum::<f64>() / n;
    let covariance: f64 = samples
        .iter()
        .map(|s| (s.at - mean_t) * (s.rss_kib as f64 - mean_m))
        .sum();
    let variance: f64 = samples.iter().map(|s| (s.at - mean_t).powi(2)).sum();
    if variance == 0.0 {
        0.0
    } else {
        covariance / variance
    }
}
