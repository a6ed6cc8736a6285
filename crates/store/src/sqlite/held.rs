//! SQLite connections the store holds itself, handed out and taken back without sqlx's pool.
//!
//! sqlx 0.9's pool spawns a task whenever a connection goes back to it, and that task pings the
//! connection before anyone may take it again (`PoolConnection::return_to_pool`; no option turns
//! it off). For SQLite that is a second round trip to the connection's worker thread after every
//! query: a cost on every read, and for the one write connection a gap after every write in which
//! no other write can start. The ping cannot find anything a query would not: the database is a
//! file in this process, and a connection's worker thread runs its commands in order, so the
//! rollback a dropped transaction queues runs before the next holder's first statement.
//!
//! Here a connection goes back on a stack when its [`Held`] guard drops, and the next caller
//! takes it from there. A semaphore bounds how many are open and serves waiters in order, within
//! the acquire timeout; connections left idle longer than the idle timeout are closed in the
//! background, so a burst of reads does not keep its page caches for the process's life.

use crate::error::{StoreError, StoreResult};
use sqlx::ConnectOptions as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Up to `size` connections opened with `options`, lent out one holder at a time.
#[derive(Debug)]
pub(super) struct Connections {
    options: SqliteConnectOptions,
    /// One permit per connection that may be open. Tokio's semaphore is fair: callers are served
    /// in the order they asked (the single writer relies on it).
    permits: Arc<Semaphore>,
    size: u32,
    /// Open connections nobody holds, the most recently returned last. Taking from the top keeps
    /// the same few connections busy, so the others age out when the load drops.
    idle: Mutex<Vec<Idle>>,
    acquire_timeout: Duration,
}

#[derive(Debug)]
struct Idle {
    conn: SqliteConnection,
    since: Instant,
}

/// What [`Connections::new`] is told.
#[derive(Debug, Clone)]
pub(super) struct Limits {
    /// At most this many open at once (at least one).
    pub size: u32,
    /// How long a caller waits for a connection before the store answers `Unavailable`.
    pub acquire_timeout: Duration,
    /// Close connections idle for longer than this; `None` keeps them (an in-memory database
    /// lives only as long as its connection).
    pub idle_timeout: Option<Duration>,
}

impl Connections {
    /// Opens nothing yet: connections are opened when first needed (see [`Self::open_one`]).
    pub(super) fn new(options: SqliteConnectOptions, limits: Limits) -> Arc<Self> {
        let size = limits.size.max(1);
        let home = Arc::new(Self {
            options,
            permits: Arc::new(Semaphore::new(size as usize)),
            size,
            idle: Mutex::new(Vec::with_capacity(size as usize)),
            acquire_timeout: limits.acquire_timeout,
        });
        if let Some(idle_timeout) = limits.idle_timeout {
            tokio::spawn(close_idle(Arc::downgrade(&home), idle_timeout));
        }
        home
    }

    /// Opens one connection now and keeps it idle, so that a database that cannot be opened
    /// fails the store's start rather than its first query.
    pub(super) async fn open_one(self: &Arc<Self>) -> StoreResult<()> {
        drop(self.acquire().await?);
        Ok(())
    }

    /// A connection for the caller alone until the guard drops: an idle one, or a new one while
    /// fewer than `size` are open. Waits at most the acquire timeout.
    pub(super) async fn acquire(self: &Arc<Self>) -> StoreResult<Held> {
        let permit =
            match tokio::time::timeout(self.acquire_timeout, self.permits.clone().acquire_owned()).await {
                Ok(Ok(permit)) => permit,
                Ok(Err(_closed)) => return Err(StoreError::Unavailable("the database is closed".into())),
                Err(_elapsed) => {
                    return Err(StoreError::Unavailable(format!(
                        "no database connection free within {:?}",
                        self.acquire_timeout
                    )));
                }
            };
        let idle = self.idle().pop();
        let conn = match idle {
            Some(idle) => idle.conn,
            // The permit bounds the count: idle + held connections never exceed `size`.
            None => self.options.connect().await?,
        };
        Ok(Held { conn: Some(conn), home: Arc::clone(self), _permit: permit })
    }

    /// Waits (up to the acquire timeout) for every held connection to come back, refuses new
    /// callers, and closes the idle connections. A connection still held after the wait is
    /// closed when its holder drops it.
    pub(super) async fn close(&self) {
        let everyone = tokio::time::timeout(self.acquire_timeout, self.permits.acquire_many(self.size)).await;
        self.permits.close();
        let idle = std::mem::take(&mut *self.idle());
        for idle in idle {
            if let Err(err) = sqlx::Connection::close(idle.conn).await {
                tracing::warn!(error = %err, "closing an SQLite connection failed");
            }
        }
        drop(everyone);
    }

    /// How many connections are open and not held (for tests).
    #[cfg(test)]
    pub(super) fn idle_count(&self) -> usize {
        self.idle().len()
    }

    /// The idle stack. No code panics while holding it, and it is never left half-changed, so a
    /// poisoned lock still holds a usable stack.
    fn idle(&self) -> MutexGuard<'_, Vec<Idle>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes the connections idle since before `before` off the stack (they are at its bottom).
    fn take_idle_since(&self, before: Instant) -> Vec<Idle> {
        let mut idle = self.idle();
        let stale = idle.iter().take_while(|i| i.since < before).count();
        idle.drain(..stale).collect()
    }
}

/// Every half idle timeout, closes the connections idle longer than it; ends with the store.
async fn close_idle(home: Weak<Connections>, idle_timeout: Duration) {
    let every = (idle_timeout / 2).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(every).await;
        let Some(home) = home.upgrade() else { return };
        if home.permits.is_closed() {
            return;
        }
        let Some(before) = Instant::now().checked_sub(idle_timeout) else { continue };
        let stale = home.take_idle_since(before);
        drop(home);
        for idle in stale {
            if let Err(err) = sqlx::Connection::close(idle.conn).await {
                tracing::warn!(error = %err, "closing an idle SQLite connection failed");
            }
        }
    }
}

/// One connection, the caller's alone until this drops; then it is idle again (or closed, if the
/// store closed meanwhile). Use it as an executor with `&mut *held`.
#[derive(Debug)]
pub(super) struct Held {
    /// `Some` until `drop` puts it back.
    conn: Option<SqliteConnection>,
    home: Arc<Connections>,
    /// Released after `drop` has put the connection back (fields drop after `Drop::drop`), so a
    /// waiter woken by it finds the connection idle instead of opening another.
    _permit: OwnedSemaphorePermit,
}

impl std::ops::Deref for Held {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("a held connection is taken only when its guard drops")
    }
}

impl std::ops::DerefMut for Held {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("a held connection is taken only when its guard drops")
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.home.permits.is_closed() {
            // The store closed while this was held: dropping the connection ends its worker
            // thread, which closes the database handle.
            return;
        }
        self.home.idle().push(Idle { conn, since: Instant::now() });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use sqlx::Connection as _;

    fn options(dir: &tempfile::TempDir) -> SqliteConnectOptions {
        SqliteConnectOptions::new().filename(dir.path().join("held.db")).create_if_missing(true)
    }

    fn limits(size: u32, idle_timeout: Option<Duration>) -> Limits {
        Limits { size, acquire_timeout: Duration::from_millis(200), idle_timeout }
    }

    /// A TEMP table lives in one connection only: seeing it tells which connection a caller got.
    async fn has_marker(conn: &mut SqliteConnection) -> bool {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM temp.sqlite_master WHERE name = 'marker'")
            .fetch_optional(conn)
            .await
            .unwrap();
        found.is_some()
    }

    #[tokio::test]
    async fn a_returned_connection_is_handed_out_again_not_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let home = Connections::new(options(&dir), limits(4, None));
        {
            let mut first = home.acquire().await.unwrap();
            sqlx::query("CREATE TEMP TABLE marker (x)").execute(&mut *first).await.unwrap();
        }
        assert_eq!(home.idle_count(), 1);
        let mut again = home.acquire().await.unwrap();
        assert!(has_marker(&mut again).await, "the idle connection was not reused");
        // A second holder at the same time gets another connection.
        let mut other = home.acquire().await.unwrap();
        assert!(!has_marker(&mut other).await);
        drop((again, other));
        assert_eq!(home.idle_count(), 2);
    }

    #[tokio::test]
    async fn no_more_than_size_are_held_and_a_waiter_gets_the_returned_one() {
        let dir = tempfile::tempdir().unwrap();
        let home = Connections::new(options(&dir), limits(1, None));
        let held = home.acquire().await.unwrap();
        let refused = home.acquire().await;
        assert!(matches!(refused, Err(StoreError::Unavailable(_))), "{refused:?}");

        let waiter = tokio::spawn({
            let home = Arc::clone(&home);
            async move { home.acquire().await.map(drop) }
        });
        tokio::task::yield_now().await;
        drop(held);
        waiter.await.unwrap().unwrap();
        assert_eq!(home.idle_count(), 1, "a second connection was opened");
    }

    #[tokio::test]
    async fn a_transaction_dropped_unfinished_is_rolled_back_before_the_next_holder() {
        let dir = tempfile::tempdir().unwrap();
        let home = Connections::new(options(&dir), limits(1, None));
        let mut conn = home.acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (x)").execute(&mut *conn).await.unwrap();
        drop(conn);

        let mut conn = home.acquire().await.unwrap();
        let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1)").execute(&mut *tx).await.unwrap();
        drop(tx);
        drop(conn);

        let mut conn = home.acquire().await.unwrap();
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(rows, 0);
        // And the connection is out of the transaction: a new one can begin.
        conn.begin_with("BEGIN IMMEDIATE").await.unwrap().commit().await.unwrap();
    }

    #[tokio::test]
    async fn the_connections_idle_longest_are_taken_first_and_only_those() {
        let dir = tempfile::tempdir().unwrap();
        let home = Connections::new(options(&dir), limits(3, None));
        let (a, b) = (home.acquire().await.unwrap(), home.acquire().await.unwrap());
        drop(a);
        let between = Instant::now();
        drop(b);
        let stale = home.take_idle_since(between);
        assert_eq!(stale.len(), 1);
        assert_eq!(home.idle_count(), 1);
        assert!(home.take_idle_since(between).is_empty());
    }

    #[tokio::test]
    async fn idle_connections_are_closed_after_the_idle_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let home = Connections::new(options(&dir), limits(2, Some(Duration::from_millis(20))));
        drop((home.acquire().await.unwrap(), home.acquire().await.unwrap()));
        assert_eq!(home.idle_count(), 2);
        let deadline = Instant::now() + Duration::from_secs(10);
        while home.idle_count() > 0 {
            assert!(Instant::now() < deadline, "idle connections were never closed");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Closed idle connections are replaced on demand.
        home.acquire().await.unwrap();
    }

    #[tokio::test]
    async fn after_close_callers_are_refused_and_returned_connections_closed() {
        let dir = tempfile::tempdir().unwrap();
        let home = Connections::new(options(&dir), limits(2, None));
        home.open_one().await.unwrap();
        let still_held = home.acquire().await.unwrap();
        // Waits the acquire timeout for `still_held`, then closes what is idle.
        home.close().await;
        assert_eq!(home.idle_count(), 0);
        let refused = home.acquire().await;
        assert!(matches!(refused, Err(StoreError::Unavailable(_))), "{refused:?}");
        drop(still_held);
        assert_eq!(home.idle_count(), 0, "a connection returned after close was kept");
    }
}
