//! `roster control ...`: the control API of a running server, through `roster_client`.

use super::output::{emit, Table};
use crate::cli::{ClockCommand, ControlArgs, ControlCommand, FaultCommand, SnapshotCommand};
use anyhow::Context;
use roster_client::control::{FaultRule, FaultSpec, JournalFilter};
use roster_client::Control;
use roster_types::time::Clock;
use serde::Serialize;

fn client(args: &ControlArgs) -> anyhow::Result<Control> {
    let url = args
        .control_url
        .as_deref()
        .context("no control URL: give --control-url or set ROSTER_CONTROL_URL")?;
    let token = args
        .control_token
        .as_deref()
        .context("no control token: give --control-token or set ROSTER_CONTROL_TOKEN")?;
    Ok(Control::new(url, token)?)
}

/// The server's clock when `ROSTER_CONTROL_URL` names a control API (with
/// `ROSTER_CONTROL_TOKEN`): a clock with the server's offset from real time, so that what
/// the command writes is dated in the server's time. Real time otherwise.
pub async fn server_clock() -> anyhow::Result<Clock> {
    let clock = Clock::system();
    let Ok(url) = std::env::var("ROSTER_CONTROL_URL") else {
        return Ok(clock);
    };
    let token = std::env::var("ROSTER_CONTROL_TOKEN").unwrap_or_default();
    let server = Control::new(&url, &token)?
        .clock()
        .await
        .with_context(|| format!("cannot read the server's clock at {url}"))?;
    clock.advance(server.offset_ms);
    Ok(clock)
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    emit(&(serde_json::to_string_pretty(value)? + "\n"))?;
    Ok(())
}

fn show(value: &Option<impl ToString>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// A count as the wire takes it (signed, so that the server can name a negative one; the
/// CLI's own parsing already refuses those).
fn signed(count: Option<u64>) -> Option<i64> {
    count.map(|count| i64::try_from(count).unwrap_or(i64::MAX))
}

fn fault_rows(rules: &[FaultRule]) -> Vec<Vec<String>> {
    rules
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                show(&r.method),
                show(&r.path),
                r.status
                    .map_or(r.action.as_str().to_string(), |s| s.to_string()),
                show(&r.times),
                r.skip.to_string(),
                r.probability.to_string(),
                r.fired.to_string(),
            ]
        })
        .collect()
}

pub async fn run(args: ControlArgs, command: ControlCommand) -> anyhow::Result<()> {
    let control = client(&args)?;
    let json = args.json;
    match command {
        ControlCommand::Fault(FaultCommand::Add {
            method,
            path,
            person,
            token_id,
            status,
            retry_after,
            latency_ms,
            action,
            times,
            skip,
            probability,
            seed,
            enforce_retry_after,
            message,
        }) => {
            let spec = FaultSpec {
                method,
                path,
                person,
                token_id,
                status: status.map(i64::from),
                retry_after: signed(retry_after),
                latency_ms: signed(latency_ms),
                action,
                times: signed(times),
                skip: signed(skip),
                probability,
                seed,
                enforce_retry_after: enforce_retry_after.then_some(true),
                message,
            };
            let rule = control.add_fault(&spec).await?;
            if json {
                print_json(&rule)?;
            } else {
                emit(&format!("{}\n", rule.id))?;
            }
        }
        ControlCommand::Fault(FaultCommand::List) => {
            let rules = control.faults().await?;
            if json {
                print_json(&rules)?;
            } else {
                let mut table = Table::new(vec![
                    "ID", "METHOD", "PATH", "ANSWER", "TIMES", "SKIP", "P", "FIRED",
                ]);
                emit(&table.render(&fault_rows(&rules)))?;
            }
        }
        ControlCommand::Fault(FaultCommand::Clear { id }) => match id {
            Some(id) => control.delete_fault(&id).await?,
            None => control.clear_faults().await?,
        },
        ControlCommand::Requests { clear: true, .. } => control.clear_requests().await?,
        ControlCommand::Requests {
            method,
            path,
            person,
            status,
            since,
            clear: false,
        } => {
            let filter = JournalFilter {
                method,
                path,
                person,
                status,
                since,
            };
            let entries = control.requests(&filter).await?;
            if json {
                print_json(&entries)?;
            } else {
                let rows: Vec<Vec<String>> = entries
                    .iter()
                    .map(|e| {
                        let target = match &e.query {
                            Some(query) => format!("{}?{query}", e.path),
                            None => e.path.clone(),
                        };
                        vec![
                            e.time.clone(),
                            e.method.clone(),
                            target,
                            e.status.map_or("-".into(), |s| s.to_string()),
                            show(&e.person_id),
                            show(&e.fault_id),
                        ]
                    })
                    .collect();
                let mut table =
                    Table::new(vec!["TIME", "METHOD", "PATH", "STATUS", "PERSON", "FAULT"]);
                emit(&table.render(&rows))?;
            }
        }
        ControlCommand::Snapshot(SnapshotCommand::Save { name }) => {
            let saved = control.save_snapshot(&name).await?;
            if json {
                print_json(&saved)?;
            }
        }
        ControlCommand::Snapshot(SnapshotCommand::Restore { name }) => {
            control.restore_snapshot(&name).await?
        }
        ControlCommand::Snapshot(SnapshotCommand::Delete { name }) => {
            control.delete_snapshot(&name).await?
        }
        ControlCommand::Snapshot(SnapshotCommand::List) => {
            let snapshots = control.snapshots().await?;
            if json {
                print_json(&snapshots)?;
            } else {
                let rows: Vec<Vec<String>> = snapshots
                    .iter()
                    .map(|s| vec![s.name.clone(), s.created.clone()])
                    .collect();
                emit(&Table::new(vec!["NAME", "CREATED"]).render(&rows))?;
            }
        }
        ControlCommand::Reset => control.reset().await?,
        ControlCommand::SignIn {
            person: Some(person),
            client_id,
        } => {
            let approved = control
                .approve_sign_in(&person, client_id.as_deref())
                .await?;
            if json {
                print_json(&approved)?;
            } else {
                emit(&format!("{}\n", approved.id))?;
            }
        }
        ControlCommand::SignIn { person: None, .. } => {
            let pending = control.sign_ins().await?;
            if json {
                print_json(&pending)?;
            } else {
                let rows: Vec<Vec<String>> = pending
                    .iter()
                    .map(|a| {
                        let client = a.client_id.clone().unwrap_or_else(|| "(any)".into());
                        vec![a.id.clone(), a.person_id.clone(), client, a.created.clone()]
                    })
                    .collect();
                let mut table = Table::new(vec!["ID", "PERSON", "CLIENT", "APPROVED"]);
                emit(&table.render(&rows))?;
            }
        }
        ControlCommand::Clock(command) => {
            let clock = match command {
                ClockCommand::Show => control.clock().await?,
                ClockCommand::Advance { by } => control.advance_clock(&by).await?,
                ClockCommand::Set { now } => control.set_clock(&now).await?,
                ClockCommand::Real => {
                    control.real_clock().await?;
                    control.clock().await?
                }
            };
            if json {
                print_json(&clock)?;
            } else {
                emit(&format!("{}\n", clock.now))?;
            }
        }
    }
    Ok(())
}
