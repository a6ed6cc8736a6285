//! Accounts and rooms for a run, created over the REST API like any client would.

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// A registered user of this run.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub token: String,
}

pub struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Self { base: base.trim_end_matches('/').to_owned(), http: reqwest::Client::builder().build()? })
    }

    /// The server's resident memory from its `/metrics` (`process_resident_memory_bytes`), when
    /// it has one (ours; the framework floors do not).
    pub async fn scraped_rss(&self) -> Option<u64> {
        self.scraped("process_resident_memory_bytes").await
    }

    /// The server's resident memory: from `/proc/<pid>` when `pid` is given (any server on this
    /// machine, the framework floors included), else from its `/metrics`.
    pub async fn server_rss(&self, pid: Option<u32>) -> Option<u64> {
        match pid {
            Some(pid) => proc_rss(pid).ok(),
            None => self.scraped_rss().await,
        }
    }

    /// The server's CPU time so far in seconds: from `/proc/<pid>` when `pid` is given (any
    /// server on this machine, the framework floors included), else from its `/metrics`.
    pub async fn server_cpu_seconds(&self, pid: Option<u32>) -> Option<f64> {
        match pid {
            Some(pid) => proc_cpu_seconds(pid).ok(),
            None => self.scraped_cpu_seconds().await,
        }
    }

    /// The server's CPU time so far in seconds (`process_cpu_seconds_total`), when it has metrics.
    pub async fn scraped_cpu_seconds(&self) -> Option<f64> {
        self.scraped("process_cpu_seconds_total").await
    }

    async fn scraped<T: std::str::FromStr>(&self, metric: &str) -> Option<T> {
        let response = self.http.get(format!("{}/metrics", self.base)).send().await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let text = response.text().await.ok()?;
        text.lines().find_map(|l| l.strip_prefix(metric)?.strip_prefix(' ')?.trim().parse().ok())
    }

    /// Whether an authenticated `GET path` answered 2xx (its body read and dropped).
    pub async fn get_ok(&self, path: &str, token: &str) -> bool {
        let sent = self.http.get(format!("{}{path}", self.base)).bearer_auth(token).send().await;
        match sent {
            Ok(response) => {
                let ok = response.status().is_success();
                ok && response.bytes().await.is_ok()
            }
            Err(_) => false,
        }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.with_context(|| format!("POST {path}"))?;
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            bail!("POST {path}: {status} {body}");
        }
        Ok(body)
    }

    /// Registers `loadgen-<run>-<i>@example.com`.
    pub async fn register(&self, run: &str, i: usize) -> anyhow::Result<User> {
        let body = self
            .post(
                "/api/auth/register",
                None,
                json!({
                    "email": format!("loadgen-{run}-{i}@example.com"),
                    "name": format!("lg{i}"),
                    "password": format!("loadgen password {run} {i}"),
                }),
            )
            .await?;
        Ok(User {
            id: body["user"]["id"].as_str().context("user id")?.to_owned(),
            token: body["accessToken"].as_str().context("access token")?.to_owned(),
        })
    }

    /// Creates a room owned by `owner` with `members`, the assistant off; returns its id.
    pub async fn room(&self, owner: &User, name: &str, members: &[&User]) -> anyhow::Result<String> {
        self.room_with_ai(owner, name, members, "off").await
    }

    /// Creates a room whose assistant answers per `ai_mode` (`always`, `mention`, `off`).
    pub async fn room_with_ai(
        &self,
        owner: &User,
        name: &str,
        members: &[&User],
        ai_mode: &str,
    ) -> anyhow::Result<String> {
        let ids: Vec<&str> = members.iter().map(|u| u.id.as_str()).filter(|id| *id != owner.id).collect();
        let body = self
            .post(
                "/api/rooms",
                Some(&owner.token),
                json!({ "name": name, "memberIds": ids, "aiMode": ai_mode }),
            )
            .await?;
        // Our server answers `{room: {id, …}, id, …}`; the framework floors (decision 009) `{id}`.
        let id = body["room"]["id"].as_str().or_else(|| body["id"].as_str());
        Ok(id.context("room id")?.to_owned())
    }
}

/// Clock ticks per second of `/proc/<pid>/stat`'s times: Linux's `USER_HZ`, 100 on every
/// architecture it exports to user space.
const USER_HZ: f64 = 100.0;

/// User and system time of `/proc/<pid>/stat`, in seconds (10 ms resolution).
fn proc_cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).with_context(|| format!("no process {pid}"))?;
    cpu_seconds_of_stat(&stat)
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in seconds.
fn cpu_seconds_of_stat(stat: &str) -> anyhow::Result<f64> {
    // The command name, in parentheses, may hold spaces and parentheses: fields are counted
    // after its last `)`.
    let after_name = stat.rsplit_once(')').context("malformed stat")?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of proc(5) (`utime`, `stime`); the first after the name is field 3.
    let ticks = |field: usize| -> anyhow::Result<f64> {
        Ok(fields.get(field - 3).context("short stat")?.parse::<u64>()? as f64)
    };
    Ok((ticks(14)? + ticks(15)?) / USER_HZ)
}

/// `VmRSS` of `/proc/<pid>/status`, in bytes.
fn proc_rss(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("no process {pid}"))?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:")?.split_whitespace().next()?.parse().ok())
        .context("no VmRSS")?;
    Ok(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        // A name with a space and a parenthesis; utime 250 and stime 150 ticks.
        let stat = "4242 (tokio (rt) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 150 0 0 20 0 4 0 100 0 0";
        let seconds = cpu_seconds_of_stat(stat).unwrap();
        assert!((seconds - 4.0).abs() < 1e-9, "{seconds}");
        assert!(cpu_seconds_of_stat("4242 (short) S 1 2").is_err());
        assert!(cpu_seconds_of_stat("no name here").is_err());
    }

    #[test]
    fn reads_a_live_process_and_fails_on_a_missing_one() {
        assert!(proc_cpu_seconds(std::process::id()).is_ok());
        // Above the kernel's largest pid (2^22).
        assert!(proc_cpu_seconds(u32::MAX).is_err());
    }
}
