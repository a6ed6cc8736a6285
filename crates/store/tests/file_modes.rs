//! Hardening (issue: abuse and privacy holes): the embedded database holds every conversation
//! and password hash, so its directory and files are readable by their owner only, whatever
//! the umask of the shell that started the server.

use chatbot_store::{OpenOptions, open};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).permissions().mode() & 0o777
}

#[tokio::test]
async fn a_new_sqlite_database_is_private_to_its_owner() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    // The test's own directory is readable by anyone, as a default umask leaves most folders.
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let dir = tmp.path().join("data");
    let db = dir.join("chatbot.db");
    let store = open(&OpenOptions::new(format!("sqlite://{}", db.display()))).await.expect("open");
    store.ping().await.expect("ping");
    assert_eq!(mode(&dir), 0o700, "the data directory it created");
    assert_eq!(mode(&db), 0o600, "the database file");
    let wal = dir.join("chatbot.db-wal");
    if wal.exists() {
        assert_eq!(mode(&wal), 0o600, "the write-ahead log takes the database's mode");
    }
    store.close().await;
}
