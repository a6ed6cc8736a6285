//! The `chatbot` binary itself: configuration errors, subcommands, and a real `serve` on the
//! embedded default in an empty directory, stopped with SIGTERM.

use std::io::Write;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chatbot");

/// The binary with a clean environment (no developer settings leak in), run in `dir`.
fn chatbot(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("LOG_FORMAT", "json");
    cmd
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn version_prints_the_package_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = chatbot(dir.path()).arg("version").output().expect("runs");
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("chatbot {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn bad_configuration_fails_with_one_line_naming_the_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: [(&str, &str, &str); 5] = [
        ("DATABASE_URL", "mysql://localhost/x", "DATABASE_URL"),
        ("REDIS_URL", "::not a url::", "REDIS_URL"),
        ("JWT_SECRET", "too-short", "JWT_SECRET"),
        ("LISTEN_ADDR", "nowhere", "LISTEN_ADDR"),
        ("CHATBOT_MAX_MESSAGE_BYTES", "lots", "CHATBOT_MAX_MESSAGE_BYTES"),
    ];
    for (name, value, expected) in cases {
        let output = chatbot(dir.path()).env(name, value).arg("serve").output().expect("runs");
        assert_eq!(output.status.code(), Some(2), "{name}={value}");
        let stderr = stderr_of(&output);
        assert_eq!(stderr.trim().lines().count(), 1, "one line for {name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    let output =
        chatbot(dir.path()).env("DATABASE_URL", "postgres://postgres@127.0.0.1/x").output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("missing JWT_SECRET"));
    let output = chatbot(dir.path()).args(["--config", "absent.toml"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("absent.toml"));
    let output = chatbot(dir.path()).args(["--set", "limits.nope=1"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_of(&output).contains("limits.nope"));
}

#[test]
fn migrate_and_user_commands_manage_accounts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let migrate = chatbot(dir.path()).arg("migrate").output().expect("runs");
    assert!(migrate.status.success(), "{}", stderr_of(&migrate));
    assert!(dir.path().join("data/chatbot.db").exists(), "the SQLite file is created under ./data");

    let created = create_admin(dir.path(), "Root@Example.com", "Root");
    assert!(created.status.success(), "{}", stderr_of(&created));
    assert!(String::from_utf8_lossy(&created.stdout).contains("<root@example.com> (admin)"));

    let weak = chatbot(dir.path())
        .args(["user", "create", "--email", "b@example.com", "--name", "B", "--password", "short"])
        .output()
        .expect("runs");
    assert!(!weak.status.success());
    assert!(stderr_of(&weak).contains("at least 10"), "{}", stderr_of(&weak));

    let demote = chatbot(dir.path())
        .args(["user", "set-role", "--email", "root@example.com", "--role", "user"])
        .output()
        .expect("runs");
    assert!(demote.status.success(), "{}", stderr_of(&demote));
    let list = chatbot(dir.path()).args(["user", "list"]).output().expect("runs");
    let listing = String::from_utf8_lossy(&list.stdout);
    assert!(listing.contains("root@example.com") && listing.contains(" user "), "{listing}");
}

/// `chatbot user create --admin`, the password given on standard input; its output.
fn create_admin(dir: &Path, email: &str, name: &str) -> Output {
    let mut create = chatbot(dir)
        .args(["user", "create", "--email", email, "--name", name, "--password-stdin", "--admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs");
    create.stdin.take().expect("stdin").write_all(b"a long enough password\n").expect("written");
    create.wait_with_output().expect("finishes")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

fn get(port: u16, path: &str) -> Option<String> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

/// What `make run` does: start on the embedded default in an empty directory, serve the page
/// and the API, and stop cleanly on SIGTERM.
#[test]
fn serve_on_the_embedded_default_and_stop_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let server = chatbot(dir.path())
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    let health = loop {
        if let Some(response) = get(port, "/healthz") {
            break response;
        }
        assert!(Instant::now() < deadline, "the server did not come up on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let page = get(port, "/").expect("page");
    assert!(page.starts_with("HTTP/1.1 200") && page.to_lowercase().contains("<!doctype html>"), "{page}");
    // The server restarted itself with glibc's mmap threshold pinned (main.rs).
    if cfg!(all(target_os = "linux", target_env = "gnu")) {
        let environ =
            std::fs::read(format!("/proc/{}/environ", server.id())).expect("the server's environment");
        assert!(
            environ.split(|b| *b == 0).any(|var| var == b"MALLOC_MMAP_THRESHOLD_=16777216"),
            "MALLOC_MMAP_THRESHOLD_ is set in the running server"
        );
    }
    let ready = get(port, "/readyz").expect("readyz");
    assert!(ready.contains("\"backend\":\"sqlite\""), "{ready}");
    // The container health check: the same settings, asking the running server.
    let healthy =
        chatbot(dir.path()).env("PORT", port.to_string()).arg("healthcheck").output().expect("runs");
    assert!(healthy.status.success(), "healthcheck against the running server: {}", stderr_of(&healthy));
    assert!(dir.path().join("data/chatbot.db").exists());
    assert!(dir.path().join("data/jwt_secret").exists(), "a secret is generated on first start");

    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let output = server.wait_with_output().expect("exits");
    let logs = stderr_of(&output);
    assert!(output.status.success(), "clean exit on SIGTERM: {logs}");
    assert!(logs.contains("JWT_SECRET is not set"), "the generated secret is warned about: {logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    let gone = chatbot(dir.path()).env("PORT", port.to_string()).arg("healthcheck").output().expect("runs");
    assert!(!gone.status.success(), "healthcheck with no server fails");
    assert!(stderr_of(&gone).contains("unhealthy"), "{}", stderr_of(&gone));
}

/// `chatbot usage` reads the per-day sums the database keeps (here fed by a usage row written
/// directly, as an answer would write it); `chatbot user budget` sets and clears a budget.
#[test]
fn usage_and_budget_commands() {
    let dir = tempfile::tempdir().expect("tempdir");
    let created = create_admin(dir.path(), "ops@example.com", "Ops");
    assert!(created.status.success(), "{}", stderr_of(&created));

    let now = time::OffsetDateTime::now_utc();
    let today = chatbot_service::day_text(now.date());
    let stamp = format!("{today}T12:00:00.000000Z");
    let db = dir.path().join("data/chatbot.db");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    runtime.block_on(async {
        use sqlx::Connection as _;
        let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display())).await.expect("open");
        let user: uuid::Uuid =
            sqlx::query_scalar("SELECT id FROM users").fetch_one(&mut conn).await.expect("the user");
        for (model, output) in [("claude-x", 30i64), ("claude-x", 12), ("gpt-y", 5)] {
            sqlx::query(
                "INSERT INTO token_usage (id, user_id, room_id, provider, model, input_tokens, output_tokens, \
                 cache_creation_tokens, cache_read_tokens, cost, created_at) VALUES ($1, $2, NULL, 'p', $3, 10, $4, 0, 0, 7, $5)",
            )
            .bind(uuid::Uuid::now_v7())
            .bind(user)
            .bind(model)
            .bind(output)
            .bind(&stamp)
            .execute(&mut conn)
            .await
            .expect("usage row");
        }
        conn.close().await.expect("closed");
    });

    let csv = chatbot(dir.path()).args(["usage", "--group-by", "model", "--csv"]).output().expect("runs");
    assert!(csv.status.success(), "{}", stderr_of(&csv));
    let text = String::from_utf8_lossy(&csv.stdout).into_owned();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines,
        [
            "key,label,answers,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_microdollars",
            "p/claude-x,p/claude-x,2,20,42,0,0,14",
            "p/gpt-y,p/gpt-y,1,10,5,0,0,7",
        ],
        "summed per model, most expensive first"
    );
    let table = chatbot(dir.path()).args(["usage", "--group-by", "user"]).output().expect("runs");
    let table = String::from_utf8_lossy(&table.stdout).into_owned();
    assert!(table.contains("Ops <ops@example.com>") && table.contains("total"), "{table}");
    let bad = chatbot(dir.path())
        .args(["usage", "--group-by", "user", "--from", "yesterday"])
        .output()
        .expect("runs");
    assert!(!bad.status.success());
    assert!(stderr_of(&bad).contains("--from must be a day"), "{}", stderr_of(&bad));

    let set = chatbot(dir.path())
        .args(["user", "budget", "--email", "ops@example.com", "--tokens", "5000", "--cost", "250000"])
        .output()
        .expect("runs");
    assert!(set.status.success(), "{}", stderr_of(&set));
    assert!(
        String::from_utf8_lossy(&set.stdout).contains("daily tokens 5000, daily cost (micro-dollars) 250000")
    );
    let cleared = chatbot(dir.path())
        .args(["user", "budget", "--email", "ops@example.com", "--tokens", "default"])
        .output()
        .expect("runs");
    let shown = String::from_utf8_lossy(&cleared.stdout).into_owned();
    assert!(shown.contains("daily tokens server default, daily cost (micro-dollars) 250000"), "{shown}");
    let audit =
        chatbot(dir.path()).args(["audit", "--action", "user.budget_changed"]).output().expect("runs");
    assert_eq!(String::from_utf8_lossy(&audit.stdout).matches("user.budget_changed").count(), 2);
    let negative = chatbot(dir.path())
        .args(["user", "budget", "--email", "ops@example.com", "--tokens", "-3"])
        .output()
        .expect("runs");
    assert!(!negative.status.success());
}
