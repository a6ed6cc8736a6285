//! argon2id password hashing, off the async runtime and bounded in concurrency.

use crate::error::{ServiceError, ServiceResult};
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// Starts `threads` hashing threads sharing one job queue. They end when every sender is gone.
fn spawn_workers(threads: usize) -> ServiceResult<std::sync::mpsc::Sender<Job>> {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    let rx = Arc::new(Mutex::new(rx));
    for i in 0..threads.max(1) {
        let rx = rx.clone();
        std::thread::Builder::new()
            .name(format!("password-hash-{i}"))
            .spawn(move || {
                loop {
                    // Holding the lock only while waiting for the next job.
                    let job = match rx.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })
            .map_err(|e| ServiceError::Internal(format!("cannot start a password hashing thread: {e}")))?;
    }
    Ok(tx)
}

/// Hashes and verifies passwords with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane).
///
/// Each hash costs ~19 MiB and tens of milliseconds of one core, so hashing runs on a fixed set of
/// `concurrency` threads of its own: a burst of logins queues instead of starving the runtime's
/// workers. A fixed set rather than Tokio's blocking pool because glibc keeps a malloc arena per
/// thread that has freed a 19 MiB block: spread over the blocking pool's many threads, 200
/// registrations left the process at ~900 MB resident; on two dedicated threads it stays small.
#[derive(Clone)]
pub struct PasswordHasher {
    jobs: std::sync::mpsc::Sender<Job>,
    /// Jobs queued or running. A burst of sign-ins beyond `max_queued` is refused at once
    /// (503 with `Retry-After`) instead of waiting without bound, each holding a request open.
    queued: Arc<AtomicUsize>,
    max_queued: usize,
    /// A real hash of a random password, verified against when the account does not exist, so a
    /// failed login takes the same time whether or not the email is registered.
    decoy: Arc<str>,
}

/// The memory cost (19 MiB) stays above the server's pinned glibc mmap threshold (16 MiB, see
/// `main.rs`), so each hash's block is returned to the system when freed.
fn argon2() -> ServiceResult<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| ServiceError::Internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn hash_blocking(password: &str) -> ServiceResult<String> {
    argon2()?
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(hash) else { return false };
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

impl PasswordHasher {
    /// `concurrency` hashing threads; at most `max_queued` hashes queued or running at once.
    pub async fn new(concurrency: usize, max_queued: usize) -> ServiceResult<Self> {
        let mut hasher = Self {
            jobs: spawn_workers(concurrency)?,
            queued: Arc::new(AtomicUsize::new(0)),
            max_queued: max_queued.max(1),
            decoy: Arc::from(""),
        };
        let decoy_password = format!("{:032x}", rand::random::<u128>());
        hasher.decoy = hasher.hash(&decoy_password).await?.into();
        Ok(hasher)
    }

    pub async fn hash(&self, password: &str) -> ServiceResult<String> {
        let password = password.to_owned();
        self.run(move || hash_blocking(&password)).await?
    }

    /// Verifies against `hash`, or against the decoy when there is no account, always taking
    /// the time of one verification.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> ServiceResult<bool> {
        let password = password.to_owned();
        let (hash, real) = match hash {
            Some(hash) => (hash.to_owned(), true),
            None => (self.decoy.to_string(), false),
        };
        let matched = self.run(move || verify_blocking(&password, &hash)).await?;
        Ok(real && matched)
    }

    /// Queues `job` for a hashing thread. Refused when the queue is full; skipped, never run,
    /// when the caller has gone away (its request was cancelled) before a thread got to it.
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
        if self.queued.fetch_add(1, Ordering::AcqRel) >= self.max_queued {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(ServiceError::Unavailable("the password hashing queue is full".into()));
        }
        let (tx, rx) = oneshot::channel();
        let queued = self.queued.clone();
        let stopped = || ServiceError::Unavailable("password hashing has stopped".into());
        let sent = self.jobs.send(Box::new(move || {
            let result = (!tx.is_closed()).then(job);
            // The slot is free before the caller hears back, so its next request finds it free.
            queued.fetch_sub(1, Ordering::AcqRel);
            if let Some(result) = result {
                let _ = tx.send(result);
            }
        }));
        if sent.is_err() {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(stopped());
        }
        rx.await.map_err(|_| stopped())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() -> ServiceResult<()> {
        let hasher = PasswordHasher::new(2, 8).await?;
        let hash = hasher.hash("correct horse battery").await?;
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery", Some(&hash)).await?);
        assert!(!hasher.verify("wrong horse battery", Some(&hash)).await?);
        assert!(!hasher.verify("anything", Some("not a phc string")).await?);
        Ok(())
    }

    #[tokio::test]
    async fn missing_account_never_verifies() -> ServiceResult<()> {
        let hasher = PasswordHasher::new(1, 8).await?;
        assert!(!hasher.verify("whatever it is", None).await?);
        Ok(())
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_and_abandoned_hashes_never_run() -> ServiceResult<()> {
        let hasher = PasswordHasher::new(1, 2).await?;
        // Occupy the only thread until told to go on.
        let (started_tx, started) = oneshot::channel::<()>();
        let (go, gate) = std::sync::mpsc::channel::<()>();
        let busy = tokio::spawn({
            let hasher = hasher.clone();
            async move {
                hasher
                    .run(move || {
                        let _ = started_tx.send(());
                        let _ = gate.recv();
                    })
                    .await
            }
        });
        started.await.expect("the thread took the first job");

        // One more fits (2 queued or running); its caller goes away before it runs.
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let abandoned = tokio::spawn({
            let (hasher, ran) = (hasher.clone(), ran.clone());
            async move { hasher.run(move || ran.store(true, Ordering::SeqCst)).await }
        });
        while hasher.queued.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        // The next is refused at once rather than queued behind them.
        let refused = hasher.hash("a third sign-in").await;
        assert!(matches!(refused, Err(ServiceError::Unavailable(_))), "{refused:?}");
        abandoned.abort();
        let _ = abandoned.await;

        go.send(()).expect("release the thread");
        busy.await.expect("task")?;
        // Jobs run in order: once this one is done, the abandoned one has been dealt with.
        hasher.run(|| ()).await?;
        assert!(!ran.load(Ordering::SeqCst), "an abandoned hash is skipped, not computed");
        assert_eq!(hasher.queued.load(Ordering::SeqCst), 0, "the queue empties again");
        Ok(())
    }
}
