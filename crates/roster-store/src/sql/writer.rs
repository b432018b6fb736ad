//! Group commit for SQLite: writes that arrive while another is being committed share the
//! next transaction, and so share its `fsync`.
//!
//! SQLite takes one writer at a time, and with `synchronous = FULL` every commit waits for
//! the disk. Committing each write alone, 32 concurrent writers managed about 1,500 creates
//! a second; batched, the same commits carry many writes each. Durability is unchanged: a
//! write is acknowledged only once the transaction holding it has committed.
//!
//! One task owns the writing: it takes every queued write, runs each in its own savepoint of
//! one transaction (so a write that fails is undone alone, and its neighbours still commit),
//! commits, and answers each caller with its own result, or the commit's error. The task is
//! never cancelled by a caller going away, so a write never commits half-done. PostgreSQL
//! needs none of this: its concurrent commits already share WAL flushes.

use super::db::Tx;
use super::query::Query;
use crate::{StoreError, StoreResult};
use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Mutex};

/// The work of one write, run inside the shared transaction.
pub(crate) type Work<T> =
    Box<dyn for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, StoreResult<T>> + Send>;

/// How many writes one transaction takes at most, so that none waits behind a huge batch.
const MAX_BATCH: usize = 256;

/// The queue into the writing task.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writing task. `begin` opens a write transaction (taking `gate`'s turn
    /// beside the bulk writes that do not come through here).
    pub fn start<B>(gate: Arc<Mutex<()>>, begin: B) -> Writer
    where
        B: Fn() -> BoxFuture<'static, StoreResult<Tx>> + Send + Sync + 'static,
    {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(queue, gate, begin));
        Writer { jobs }
    }

    /// Queues `work` and waits until it has been committed (or has failed).
    pub async fn write<T: Send + 'static>(&self, work: Work<T>) -> StoreResult<T> {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Write { work, reply });
        self.jobs
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("the store is closed".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Database("the writing task stopped".into()))?
    }
}

/// One queued write, whatever its result type.
trait Job: Send {
    /// Runs the work; what it produced waits in the returned [`Outcome`] until the commit.
    fn run<'t>(self: Box<Self>, tx: &'t mut Tx) -> BoxFuture<'t, Box<dyn Outcome>>;
    /// Answers the caller with `error` without running the work.
    fn refuse(self: Box<Self>, error: &StoreError);
}

/// A write that has run and awaits the end of its transaction.
trait Outcome: Send {
    fn failed(&self) -> bool;
    /// Answers the caller: a failed write with its own error; otherwise its result once
    /// `ended` says the transaction committed, or the reason it did not.
    fn answer(self: Box<Self>, ended: &StoreResult<()>);
}

struct Write<T> {
    work: Work<T>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T: Send + 'static> Job for Write<T> {
    fn run<'t>(self: Box<Self>, tx: &'t mut Tx) -> BoxFuture<'t, Box<dyn Outcome>> {
        let Write { work, reply } = *self;
        Box::pin(async move {
            // A panic in one write must not take the writing task, and every later write,
            // with it: it fails this write.
            let result = AssertUnwindSafe(work(tx))
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err(StoreError::Database("a write panicked".into())));
            Box::new(Answer { result, reply }) as Box<dyn Outcome>
        })
    }

    fn refuse(self: Box<Self>, error: &StoreError) {
        let _ = self.reply.send(Err(error.clone()));
    }
}

struct Answer<T> {
    result: StoreResult<T>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T: Send> Outcome for Answer<T> {
    fn failed(&self) -> bool {
        self.result.is_err()
    }

    fn answer(self: Box<Self>, ended: &StoreResult<()>) {
        let result = match (self.result, ended) {
            (Ok(_), Err(error)) => Err(error.clone()),
            (result, _) => result,
        };
        // The caller may have gone away; the write stands all the same.
        let _ = self.reply.send(result);
    }
}

async fn run<B>(mut queue: mpsc::Receiver<Box<dyn Job>>, gate: Arc<Mutex<()>>, begin: B)
where
    B: Fn() -> BoxFuture<'static, StoreResult<Tx>>,
{
    let mut queued = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut queued, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut queued);
        let _turn = gate.lock().await;
        let mut tx = match begin().await {
            Ok(tx) => tx,
            Err(error) => {
                for job in jobs {
                    job.refuse(&error);
                }
                continue;
            }
        };
        let (outcomes, ran) = run_batch(&mut tx, jobs).await;
        // Dropped without a commit, the transaction rolls back.
        let ended = match ran {
            Ok(()) => tx.commit().await,
            Err(error) => Err(error),
        };
        for outcome in outcomes {
            outcome.answer(&ended);
        }
    }
}

/// Runs each write in its own savepoint; none is needed for a batch of one, whose failure
/// rolls the whole transaction back. `Err` means roll back: a lone write failed, or a
/// savepoint could not be set or undone (the writes not yet run are refused with it).
async fn run_batch(
    tx: &mut Tx,
    jobs: Vec<Box<dyn Job>>,
) -> (Vec<Box<dyn Outcome>>, StoreResult<()>) {
    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut jobs = jobs.into_iter();
    if jobs.len() == 1 {
        let outcome = jobs.next().expect("one job").run(tx).await;
        let failed = outcome.failed();
        outcomes.push(outcome);
        let ended = match failed {
            true => Err(StoreError::Database("the write failed".into())),
            false => Ok(()),
        };
        return (outcomes, ended);
    }
    while let Some(job) = jobs.next() {
        if let Err(error) = tx.execute(&Query::new("SAVEPOINT write")).await {
            job.refuse(&error);
            jobs.for_each(|job| job.refuse(&error));
            return (outcomes, Err(error));
        }
        let outcome = job.run(tx).await;
        let undone = if outcome.failed() {
            tx.execute(&Query::new("ROLLBACK TO SAVEPOINT write")).await
        } else {
            Ok(0)
        };
        outcomes.push(outcome);
        let released = match undone {
            Ok(_) => tx.execute(&Query::new("RELEASE SAVEPOINT write")).await,
            Err(error) => Err(error),
        };
        if let Err(error) = released {
            jobs.for_each(|job| job.refuse(&error));
            return (outcomes, Err(error));
        }
    }
    (outcomes, Ok(()))
}
