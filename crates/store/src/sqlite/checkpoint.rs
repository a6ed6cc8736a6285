//! WAL checkpoints in the background, off the writer's path.
//!
//! With WAL, a commit appends the pages it changed to the `-wal` file; a checkpoint later copies
//! them back into the database file. By default SQLite checkpoints from the committing connection
//! once the WAL holds 1,000 pages, so every few batches one writer commit also paid for copying and
//! syncing the database file, and the message writer stalled meanwhile. The writer now checkpoints
//! only once the WAL holds [`WRITER_AUTOCHECKPOINT_PAGES`], so a page changed by many commits is
//! copied once (docs/benchmarks.md: acked sends/s went from ~11,000 to ~14,000-17,000). That
//! threshold bounds the WAL. Between those, a connection of its own runs a PASSIVE checkpoint
//! every [`INTERVAL`]: it never blocks the writer or readers, leaves the writer's checkpoints
//! less to copy (shorter stalls), and empties the WAL of a database that went quiet.

use crate::error::{StoreError, StoreResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How often the background connection checkpoints.
pub(super) const INTERVAL: Duration = Duration::from_millis(1000);

/// WAL size (in pages) at which the writer connection checkpoints by itself (~40 MiB of 4 KiB
/// pages): a backstop, not the usual path.
pub(super) const WRITER_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// Runs the background checkpoints until [`Checkpointer::stop`] or until dropped (with the last
/// clone of the store).
#[derive(Debug)]
pub(super) struct Checkpointer {
    /// The loop's stop signal and task; taken by the first `stop`.
    running: Mutex<Option<(oneshot::Sender<()>, JoinHandle<()>)>>,
}

impl Checkpointer {
    /// Opens the checkpoint connection and starts the loop on the current Tokio runtime.
    pub(super) async fn start(options: &SqliteConnectOptions) -> StoreResult<Self> {
        let mut conn = options
            .connect()
            .await
            .map_err(|e| StoreError::Config(format!("cannot open the SQLite checkpoint connection: {e}")))?;
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    () = tokio::time::sleep(INTERVAL) => {}
                }
                if let Err(err) = checkpoint(&mut conn).await {
                    tracing::warn!(error = %err, "background WAL checkpoint failed");
                }
            }
            let _ = conn.close().await;
        });
        Ok(Self { running: Mutex::new(Some((stop, task))) })
    }

    /// Stops the loop and waits until its connection is closed.
    pub(super) async fn stop(&self) {
        let running = self.running.lock().ok().and_then(|mut running| running.take());
        if let Some((stop, task)) = running {
            drop(stop);
            let _ = task.await;
        }
    }
}

async fn checkpoint(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    // PASSIVE copies what it can without waiting for any lock; the result row (busy, WAL pages,
    // pages copied) is not needed.
    sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(conn).await.map(drop)
}
