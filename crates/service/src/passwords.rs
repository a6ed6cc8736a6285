//! argon2id password hashing, off the async runtime and bounded in concurrency.

use crate::error::{ServiceError, ServiceResult};
use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Hashes and verifies passwords with argon2id (OWASP parameters: 19 MiB, 2 passes, 1 lane).
///
/// Each hash costs ~19 MiB and tens of milliseconds of one core, so hashing runs on the blocking
/// pool behind a semaphore: a burst of logins queues instead of exhausting memory or starving
/// the runtime's worker threads.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified against when the account does not exist, so a
    /// failed login takes the same time whether or not the email is registered.
    decoy: Arc<str>,
}

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
    pub async fn new(concurrency: usize) -> ServiceResult<Self> {
        let decoy_password = format!("{:032x}", rand::random::<u128>());
        let decoy = tokio::task::spawn_blocking(move || hash_blocking(&decoy_password))
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))??;
        Ok(Self { permits: Arc::new(Semaphore::new(concurrency.max(1))), decoy: decoy.into() })
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

    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> ServiceResult<T> {
        let _permit =
            self.permits.acquire().await.map_err(|_| ServiceError::Unavailable("shutting down".into()))?;
        tokio::task::spawn_blocking(job).await.map_err(|e| ServiceError::Internal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() -> ServiceResult<()> {
        let hasher = PasswordHasher::new(2).await?;
        let hash = hasher.hash("correct horse battery").await?;
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery", Some(&hash)).await?);
        assert!(!hasher.verify("wrong horse battery", Some(&hash)).await?);
        assert!(!hasher.verify("anything", Some("not a phc string")).await?);
        Ok(())
    }

    #[tokio::test]
    async fn missing_account_never_verifies() -> ServiceResult<()> {
        let hasher = PasswordHasher::new(1).await?;
        assert!(!hasher.verify("whatever it is", None).await?);
        Ok(())
    }
}
