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
