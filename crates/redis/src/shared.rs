//! Limits shared by every instance (SPEC §5, §11): sliding-window throttles and answer leases,
//! each one Lua script so a check and its update are one atomic step in Redis.
//!
//! The callers keep a local fallback: any error here (Redis down, slow, restarted) makes them
//! enforce the limit in their own process until Redis answers again, and [`Shared::note`] logs
//! each change of state once and keeps [`Shared::is_degraded`] for `/readyz`.
//!
//! Times come from Redis (`TIME`), not from the instances, so clocks that disagree do not make
//! a window longer or shorter on one of them.

use crate::Redis;
use fred::prelude::Options;
use fred::prelude::{ClientLike, Value};
use fred::types::{ClusterHash, CustomCommand};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Keys `KEYS[1]` (a sorted set of events by time); `ARGV`: window ms, max, member to add.
/// Returns -1 when allowed (and adds the member), else the ms until the oldest event leaves the
/// window.
const WINDOW: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + window - now)
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return -1
"#;

/// `KEYS[1]` the room's answer lease (a string), `KEYS[2]` the user's answers (a sorted set of
/// holders by lease end); `ARGV`: holder, lease ms, the user's max. 1 when both are taken.
const LEASE: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[2])
local room = redis.call('GET', KEYS[1])
if room and room ~= ARGV[1] then return 0 end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) and redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', lease)
redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[2], lease)
return 1
"#;

/// Gives both back, if still held by `ARGV[1]`.
const UNLEASE: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"#;

/// Sums a user's devices over live instances (`KEYS[1]`, a hash of instance id to count),
/// dropping the counts of instances whose heartbeat lapsed, and adds this one's (`ARGV[1]`)
/// unless `ARGV[2]` are connected already. `ARGV[3]`: the heartbeat keys' prefix; `ARGV[4]`: the
/// heartbeat's life (this instance's is renewed here, so its own counts are never dropped).
/// Returns the devices now connected, or -1 at the limit.
const DEVICE_IN: &str = r#"
redis.call('SET', ARGV[3] .. ARGV[1], '1', 'PX', tonumber(ARGV[4]))
local all = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #all, 2 do
  if redis.call('EXISTS', ARGV[3] .. all[i]) == 1 then
    total = total + tonumber(all[i + 1])
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
if total >= tonumber(ARGV[2]) then return -1 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return total + 1
"#;

/// Takes one of this instance's (`ARGV[1]`) devices off the user's count; returns the devices
/// still connected on live instances (`ARGV[2]`: the heartbeat keys' prefix).
const DEVICE_OUT: &str = r#"
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
local all = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #all, 2 do
  if redis.call('EXISTS', ARGV[2] .. all[i]) == 1 then total = total + tonumber(all[i + 1]) end
end
return total
"#;

/// For each user's device hash in `KEYS`, 1 when a live instance counts a device (`ARGV[1]`:
/// the heartbeat keys' prefix).
const ONLINE: &str = r#"
local out = {}
for k = 1, #KEYS do
  local all = redis.call('HGETALL', KEYS[k])
  local online = 0
  for i = 1, #all, 2 do
    if tonumber(all[i + 1]) > 0 and redis.call('EXISTS', ARGV[1] .. all[i]) == 1 then online = 1 end
  end
  out[k] = online
end
return out
"#;

/// Longest a shared-limit command may take before the caller falls back to its local count.
/// Redis answers these in well under a millisecond; this only bounds a sick one.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(500);

/// A user's budget reservations (`KEYS[1]`: a hash of reservation id to
/// `tokens:cost:expires_ms`). `ARGV`: spent tokens, spent cost (in the database), token budget,
/// cost budget (-1: none), this answer's worst tokens and cost, its id, its life in ms. Refuses
/// (0) when what is spent plus what every instance holds reaches a budget; else holds this
/// answer's worst case too (1). Expired reservations (an instance that died) are dropped.
const BUDGET: &str = r#"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local tokens, cost = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 1, #all, 2 do
  local held_tokens, held_cost, expires = string.match(all[i + 1], '^(%d+):(%d+):(%d+)$')
  if expires and tonumber(expires) > now then
    tokens = tokens + tonumber(held_tokens)
    cost = cost + tonumber(held_cost)
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
local token_budget, cost_budget = tonumber(ARGV[3]), tonumber(ARGV[4])
if (token_budget >= 0 and tokens >= token_budget) or (cost_budget >= 0 and cost >= cost_budget) then return 0 end
local life = tonumber(ARGV[8])
redis.call('HSET', KEYS[1], ARGV[7], ARGV[5] .. ':' .. ARGV[6] .. ':' .. (now + life))
redis.call('PEXPIRE', KEYS[1], life)
return 1
"#;

/// What a budget check sees and asks for (see [`Shared::reserve_budget`]).
#[derive(Debug, Clone, Copy)]
pub struct BudgetAsk {
    pub spent_tokens: u64,
    pub spent_cost: u64,
    pub token_budget: Option<u64>,
    pub cost_budget: Option<u64>,
    pub worst_tokens: u64,
    pub worst_cost: u64,
}

/// A budget reservation held in Redis until [`Shared::release_budget`] (or its life ends).
#[derive(Debug, Clone)]
pub struct BudgetHold {
    key: String,
    id: String,
}

/// How long an instance counts as alive after its last heartbeat.
pub const HEARTBEAT_LIFE: Duration = Duration::from_secs(15);

/// The shared-limits client of one instance.
#[derive(Clone)]
pub struct Shared {
    redis: Redis,
    prefix: Arc<str>,
    /// Makes members and lease holders unique: this instance's id and a counter.
    instance: Arc<str>,
    next: Arc<AtomicU64>,
    degraded: Arc<AtomicBool>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").field("prefix", &self.prefix).field("instance", &self.instance).finish()
    }
}

/// A Redis error while enforcing a shared limit (the caller falls back to its own count).
#[derive(Debug, thiserror::Error)]
#[error("shared limit unavailable: {0}")]
pub struct SharedError(String);

/// An answer's leases: the room's one-answer slot and one of its requester's slots.
#[derive(Debug, Clone)]
pub struct AnswerLease {
    room_key: String,
    user_key: String,
    holder: String,
}

impl Shared {
    pub fn new(redis: Redis, prefix: &str, instance: &str) -> Self {
        Self {
            redis,
            prefix: Arc::from(prefix),
            instance: Arc::from(instance),
            next: Arc::new(AtomicU64::new(0)),
            degraded: Arc::new(AtomicBool::new(false)),
        }
    }

    fn unique(&self) -> String {
        format!("{}:{}", self.instance, self.next.fetch_add(1, Ordering::Relaxed))
    }

    fn window_key(&self, limit: &str, key: &str) -> String {
        format!("{}limit:{limit}:{key}", self.prefix)
    }

    async fn eval_value(
        &self,
        script: &'static str,
        keys: Vec<String>,
        args: Vec<String>,
    ) -> Result<Value, SharedError> {
        let mut all: Vec<Value> = vec![script.into(), keys.len().to_string().into()];
        all.extend(keys.into_iter().map(Value::from));
        all.extend(args.into_iter().map(Value::from));
        self.command("EVAL", all).await
    }

    /// Commands fail at once while the connection is down (never queued for the reconnection:
    /// a send must not wait seconds for a limit it can check locally) and within
    /// [`COMMAND_TIMEOUT`] otherwise.
    fn options() -> Options {
        Options { fail_fast: true, timeout: Some(COMMAND_TIMEOUT), ..Options::default() }
    }

    async fn command(&self, name: &'static str, args: Vec<Value>) -> Result<Value, SharedError> {
        let command = CustomCommand::new(name, ClusterHash::FirstKey, false);
        let client = self.redis.client.with_options(&Self::options());
        client.custom(command, args).await.map_err(|e| SharedError(e.to_string()))
    }

    async fn eval(
        &self,
        script: &'static str,
        keys: Vec<String>,
        args: Vec<String>,
    ) -> Result<i64, SharedError> {
        let reply = self.eval_value(script, keys, args).await?;
        reply.as_i64().ok_or_else(|| SharedError(format!("unexpected reply {reply:?}")))
    }

    fn heartbeat_prefix(&self) -> String {
        format!("{}instance:", self.prefix)
    }

    fn devices_key(&self, user: &str) -> String {
        format!("{}devices:{user}", self.prefix)
    }

    /// Marks this instance alive for [`HEARTBEAT_LIFE`]; call at least every third of it. The
    /// devices counted by an instance whose heartbeat lapsed (it died) stop counting.
    pub async fn heartbeat(&self) -> Result<(), SharedError> {
        let life = HEARTBEAT_LIFE.as_millis().to_string();
        let args: Vec<Value> = vec![
            format!("{}{}", self.heartbeat_prefix(), self.instance).into(),
            "1".into(),
            "PX".into(),
            life.into(),
        ];
        let command = CustomCommand::new("SET", ClusterHash::FirstKey, false);
        self.redis
            .client
            .custom::<Value, Value>(command, args)
            .await
            .map_err(|e| SharedError(e.to_string()))?;
        Ok(())
    }

    /// Counts a new device of `user` on this instance unless `max` are connected on all
    /// instances together: `Some(devices now)`, or `None` at the limit.
    pub async fn device_connected(&self, user: &str, max: usize) -> Result<Option<u64>, SharedError> {
        let life = HEARTBEAT_LIFE.as_millis().to_string();
        let total = self
            .eval(
                DEVICE_IN,
                vec![self.devices_key(user)],
                vec![self.instance.to_string(), max.max(1).to_string(), self.heartbeat_prefix(), life],
            )
            .await?;
        Ok(u64::try_from(total).ok())
    }

    /// Uncounts a device of `user` on this instance: the devices still connected anywhere.
    pub async fn device_disconnected(&self, user: &str) -> Result<u64, SharedError> {
        let total = self
            .eval(
                DEVICE_OUT,
                vec![self.devices_key(user)],
                vec![self.instance.to_string(), self.heartbeat_prefix()],
            )
            .await?;
        Ok(u64::try_from(total).unwrap_or(0))
    }

    /// Which of `users` have a device connected on any live instance, in order.
    pub async fn online(&self, users: &[String]) -> Result<Vec<bool>, SharedError> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let keys = users.iter().map(|u| self.devices_key(u)).collect();
        let reply = self.eval_value(ONLINE, keys, vec![self.heartbeat_prefix()]).await?;
        Ok(reply.into_array().into_iter().map(|v| v.as_i64() == Some(1)).collect())
    }

    /// One event under `limit` for `key` if fewer than `max` are in the last `window`: `None`
    /// when allowed (and counted), else how long until one leaves the window.
    pub async fn acquire(
        &self,
        limit: &str,
        key: &str,
        max: u32,
        window: Duration,
    ) -> Result<Option<Duration>, SharedError> {
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let wait = self
            .eval(
                WINDOW,
                vec![self.window_key(limit, key)],
                vec![window_ms.to_string(), max.max(1).to_string(), self.unique()],
            )
            .await?;
        Ok((wait >= 0).then(|| Duration::from_millis(u64::try_from(wait).unwrap_or(1))))
    }

    /// Gives back the newest counted event (an attempt that turned out not to count). In the
    /// background: callers give back from `Drop`.
    pub fn release(&self, limit: &str, key: &str) {
        self.in_background("ZPOPMAX", vec![self.window_key(limit, key).into()]);
    }

    /// Forgets every counted event of `key` (in the background).
    pub fn reset(&self, limit: &str, key: &str) {
        self.in_background("DEL", vec![self.window_key(limit, key).into()]);
    }

    /// Takes the room's answer slot and one of the user's `max_per_user` slots for `lease`
    /// (renew before it ends): `Some` when both were free.
    pub async fn lease_answer(
        &self,
        room: &str,
        user: &str,
        max_per_user: usize,
        lease: Duration,
    ) -> Result<Option<AnswerLease>, SharedError> {
        let held = AnswerLease {
            room_key: format!("{}answering:room:{room}", self.prefix),
            user_key: format!("{}answering:user:{user}", self.prefix),
            holder: self.unique(),
        };
        Ok(self.renew_answer(&held, max_per_user, lease).await?.then_some(held))
    }

    /// Extends a lease; false when it was lost (expired and taken by another answer).
    pub async fn renew_answer(
        &self,
        held: &AnswerLease,
        max_per_user: usize,
        lease: Duration,
    ) -> Result<bool, SharedError> {
        let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
        let taken = self
            .eval(
                LEASE,
                vec![held.room_key.clone(), held.user_key.clone()],
                vec![held.holder.clone(), lease_ms.to_string(), max_per_user.max(1).to_string()],
            )
            .await?;
        Ok(taken == 1)
    }

    /// Gives an answer's leases back.
    pub async fn release_answer(&self, held: &AnswerLease) -> Result<(), SharedError> {
        self.eval(UNLEASE, vec![held.room_key.clone(), held.user_key.clone()], vec![held.holder.clone()])
            .await
            .map(|_| ())
    }

    /// Holds `ask`'s worst case against the user's budgets unless what is spent plus what every
    /// instance holds already reaches one: `Some` when held. `life` bounds a hold whose instance
    /// died before giving it back.
    pub async fn reserve_budget(
        &self,
        user: &str,
        ask: BudgetAsk,
        life: Duration,
    ) -> Result<Option<BudgetHold>, SharedError> {
        let hold = BudgetHold { key: format!("{}budget-held:{user}", self.prefix), id: self.unique() };
        let budget = |b: Option<u64>| b.map_or_else(|| "-1".to_owned(), |b| b.to_string());
        let life_ms = u64::try_from(life.as_millis()).unwrap_or(u64::MAX).max(1);
        let taken = self
            .eval(
                BUDGET,
                vec![hold.key.clone()],
                vec![
                    ask.spent_tokens.to_string(),
                    ask.spent_cost.to_string(),
                    budget(ask.token_budget),
                    budget(ask.cost_budget),
                    ask.worst_tokens.to_string(),
                    ask.worst_cost.to_string(),
                    hold.id.clone(),
                    life_ms.to_string(),
                ],
            )
            .await?;
        Ok((taken == 1).then_some(hold))
    }

    /// Gives a budget hold back (in the background: callers give back from `Drop`).
    pub fn release_budget(&self, hold: &BudgetHold) {
        self.in_background("HDEL", vec![hold.key.as_str().into(), hold.id.as_str().into()]);
    }

    /// Runs a give-back command without waiting for it (callers are in `Drop`); a failure only
    /// leaves a count that expires by itself.
    fn in_background(&self, name: &'static str, args: Vec<Value>) {
        let shared = self.clone();
        tokio::spawn(async move {
            let result = shared.command(name, args).await;
            shared.note(&result);
        });
    }

    /// Records how the last shared operation went: logs each change between shared and local
    /// enforcement once.
    pub fn note<T>(&self, result: &Result<T, SharedError>) {
        let failed = result.is_err();
        if self.degraded.swap(failed, Ordering::Relaxed) != failed {
            match result {
                Err(err) => {
                    tracing::warn!(error = %err, "Redis unreachable: limits are enforced per instance until it is back")
                }
                Ok(_) => tracing::info!("Redis reachable again: limits are shared by every instance again"),
            }
        }
    }

    /// True while the last shared operation failed (limits are per instance).
    pub fn is_degraded(&self) -> bool {
        self.degraded.load(Ordering::Relaxed)
    }
}
