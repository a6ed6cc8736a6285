//! The JWT signing secret: configured, or generated once and kept in the data directory.

use anyhow::Context;
use chatbot_config::{Config, Secret};
use std::io::Write;
use std::path::Path;

const FILE_NAME: &str = "jwt_secret";

/// Returns the configured secret, or the one stored in `<data_dir>/jwt_secret`, creating it
/// (256 random bits, file mode 0600) on first start. Configuration already refused the
/// generated secret where instances must share one (PostgreSQL, Redis).
pub fn resolve_jwt_secret(config: &Config) -> anyhow::Result<Secret> {
    if let Some(secret) = &config.jwt_secret {
        return Ok(secret.clone());
    }
    let path = config.data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(Secret::new(text.trim())),
        Ok(_) => {
            anyhow::bail!("{} is shorter than 32 bytes; delete it to generate a new one", path.display())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let secret = format!("{:032x}{:032x}", rand::random::<u128>(), rand::random::<u128>());
    write_private(&path, &secret)?;
    tracing::warn!(
        path = %path.display(),
        "JWT_SECRET is not set: generated one and stored it in the data directory. \
         Set JWT_SECRET explicitly in production."
    );
    Ok(Secret::new(secret))
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        // The data directory holds the secret and the database: its owner's only.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    file.sync_all().with_context(|| format!("cannot sync {}", path.display()))?;
    Ok(())
}
