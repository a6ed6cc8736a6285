//! The shared-limit scripts against a real Redis (127.0.0.1:6379, or TEST_REDIS_URL), each test
//! under a key prefix of its own; every key it writes expires by itself within a minute.

use chatbot_redis::Redis;
use chatbot_redis::shared::Shared;
use std::time::Duration;

fn redis() -> Redis {
    let url = std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let url = url::Url::parse(&url).expect("TEST_REDIS_URL is a URL");
    Redis::connect(&url).expect("client")
}

async fn shared(instance: &str, prefix: &str) -> Shared {
    let redis = redis();
    // A Redis that is not running fails the test here, with the reason: tests never skip.
    redis.ping().await.expect("Redis on 127.0.0.1:6379 (make services starts it; or set TEST_REDIS_URL)");
    Shared::new(redis, prefix, instance)
}

fn prefix() -> String {
    format!("chatbot-test:{}:", uuid::Uuid::new_v4())
}

#[tokio::test]
async fn a_window_is_shared_by_every_instance_and_gives_back_on_release() {
    let prefix = prefix();
    let (a, b) = (shared("a", &prefix).await, shared("b", &prefix).await);
    let window = Duration::from_secs(60);
    assert_eq!(a.acquire("send", "u1", 3, window).await.expect("redis"), None);
    assert_eq!(b.acquire("send", "u1", 3, window).await.expect("redis"), None);
    assert_eq!(a.acquire("send", "u1", 3, window).await.expect("redis"), None);
    let refused = b.acquire("send", "u1", 3, window).await.expect("redis");
    assert!(refused.is_some_and(|wait| wait > Duration::from_secs(58) && wait <= window), "{refused:?}");
    assert_eq!(
        a.acquire("send", "u2", 3, window).await.expect("redis"),
        None,
        "another key has its own count"
    );
    a.release("send", "u1");
    tokio::time::sleep(Duration::from_millis(100)).await; // released in the background
    assert_eq!(b.acquire("send", "u1", 3, window).await.expect("redis"), None, "one was given back");
    b.reset("send", "u1");
    tokio::time::sleep(Duration::from_millis(100)).await;
    for _ in 0..3 {
        assert_eq!(a.acquire("send", "u1", 3, window).await.expect("redis"), None, "reset forgets all");
    }
}

#[tokio::test]
async fn events_leave_the_window() {
    let prefix = prefix();
    let a = shared("a", &prefix).await;
    let window = Duration::from_millis(300);
    assert_eq!(a.acquire("login", "k", 1, window).await.expect("redis"), None);
    assert!(a.acquire("login", "k", 1, window).await.expect("redis").is_some());
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(a.acquire("login", "k", 1, window).await.expect("redis"), None);
}

#[tokio::test]
async fn one_answer_per_room_and_per_user_limits_across_instances() {
    let prefix = prefix();
    let (a, b) = (shared("a", &prefix).await, shared("b", &prefix).await);
    let lease = Duration::from_secs(30);
    let first = a.lease_answer("room1", "alice", 2, lease).await.expect("redis").expect("free room");
    assert!(b.lease_answer("room1", "bob", 2, lease).await.expect("redis").is_none(), "the room is busy");
    let second =
        b.lease_answer("room2", "alice", 2, lease).await.expect("redis").expect("alice's second slot");
    assert!(
        a.lease_answer("room3", "alice", 2, lease).await.expect("redis").is_none(),
        "alice is at her limit"
    );
    assert!(a.renew_answer(&first, 2, lease).await.expect("redis"), "the holder renews");
    a.release_answer(&first).await.expect("redis");
    let again =
        b.lease_answer("room1", "bob", 2, lease).await.expect("redis").expect("the room is free again");
    b.release_answer(&again).await.expect("redis");
    b.release_answer(&second).await.expect("redis");
}

#[tokio::test]
async fn a_lease_of_a_dead_instance_lapses() {
    let prefix = prefix();
    let (a, b) = (shared("a", &prefix).await, shared("b", &prefix).await);
    let short = Duration::from_millis(200);
    let _abandoned = a.lease_answer("room", "alice", 1, short).await.expect("redis").expect("free");
    assert!(b.lease_answer("room", "bob", 1, short).await.expect("redis").is_none());
    tokio::time::sleep(Duration::from_millis(250)).await;
    let taken = b.lease_answer("room", "alice", 1, short).await.expect("redis");
    assert!(taken.is_some(), "the room and alice's slot are free once the lease lapsed");
}

#[tokio::test]
async fn devices_count_on_every_live_instance() {
    let prefix = prefix();
    let (a, b) = (shared("a", &prefix).await, shared("b", &prefix).await);
    a.heartbeat().await.expect("redis");
    b.heartbeat().await.expect("redis");
    assert_eq!(a.device_connected("u", 2).await.expect("redis"), Some(1));
    assert_eq!(
        b.device_connected("u", 2).await.expect("redis"),
        Some(2),
        "counted with the other instance's"
    );
    assert_eq!(a.device_connected("u", 2).await.expect("redis"), None, "at the limit on every instance");
    let online = a.online(&["u".into(), "nobody".into()]).await.expect("redis");
    assert_eq!(online, vec![true, false]);
    assert_eq!(a.device_disconnected("u").await.expect("redis"), 1, "one left, on the other instance");
    assert_eq!(b.device_disconnected("u").await.expect("redis"), 0);
    assert_eq!(a.online(&["u".into()]).await.expect("redis"), vec![false]);
}

#[tokio::test]
async fn budget_holds_of_every_instance_count_against_a_budget() {
    use chatbot_redis::shared::BudgetAsk;
    let prefix = prefix();
    let (a, b) = (shared("a", &prefix).await, shared("b", &prefix).await);
    let life = Duration::from_secs(60);
    let ask = BudgetAsk {
        spent_tokens: 400,
        spent_cost: 0,
        token_budget: Some(1_000),
        cost_budget: None,
        worst_tokens: 700,
        worst_cost: 0,
    };
    let first = a.reserve_budget("u", ask, life).await.expect("redis").expect("400 spent: room left");
    let second = b.reserve_budget("u", ask, life).await.expect("redis");
    assert!(second.is_none(), "400 spent + 700 held by the other instance reach 1,000: {second:?}");
    a.release_budget(&first);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(b.reserve_budget("u", ask, life).await.expect("redis").is_some(), "given back");
}
