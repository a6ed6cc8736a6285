//! The store that keeps answers' reads in memory (`chatbot_store::recent`) reads what the database
//! holds: every kind of write that changes a prompt's rows or a user's spending goes through it,
//! in a seeded random order over two rooms, and after each one its reads are compared with the
//! database's own, for the newest window, older slices and slices past what it keeps.

use crate::{answer, demo_usage, room, text, user};
use chatbot_domain::{AiMode, MessageId, MessageStatus, RoomId, UserId};
use chatbot_store::{
    AnswerWrite, NewMessage, RecentSettings, RoomPatch, SESSION_READ_AGAIN_AFTER, SPENDING_READ_AGAIN_AFTER,
    Store, day_text,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

store_tests!(
    reads_match_the_database_through_every_kind_of_write,
    reads_match_the_database_when_rooms_are_dropped_for_room,
    spending_past_half_its_age_is_served_and_read_again_in_the_background,
);

/// Messages kept per room: small, so that windows fill, slide and are read past.
const WINDOW: u32 = 6;

async fn reads_match_the_database_through_every_kind_of_write(inner: Arc<dyn Store>) {
    let settings = RecentSettings {
        history_window: WINDOW,
        history_bytes: 1 << 20,
        spending_read_again_after: SPENDING_READ_AGAIN_AFTER,
        session_read_again_after: SESSION_READ_AGAIN_AFTER,
    };
    exercise(inner, settings, Created::Here, 7, 160).await;
}

async fn reads_match_the_database_when_rooms_are_dropped_for_room(inner: Arc<dyn Store>) {
    // About one room's window of bytes: rooms evict each other all the time.
    let settings = RecentSettings {
        history_window: WINDOW,
        history_bytes: 2_500,
        spending_read_again_after: SPENDING_READ_AGAIN_AFTER,
        session_read_again_after: SESSION_READ_AGAIN_AFTER,
    };
    exercise(inner, settings, Created::Elsewhere, 11, 120).await;
}

async fn spending_past_half_its_age_is_served_and_read_again_in_the_background(inner: Arc<dyn Store>) {
    let age = Duration::from_secs(2);
    let settings = RecentSettings {
        history_window: WINDOW,
        history_bytes: 1 << 20,
        spending_read_again_after: age,
        session_read_again_after: SESSION_READ_AGAIN_AFTER,
    };
    let cached = chatbot_store::recent(inner.clone(), settings);
    let alice = user(&inner, "alice@example.com").await;
    let day = day_text(OffsetDateTime::now_utc().date());
    assert_eq!(cached.usage_on_day(alice.id, &day).await.unwrap().token_budget, None);
    let read_at = Instant::now();
    // A budget set by another process (`chatbot user budget`): this store does not see the write.
    inner.set_user_budget(alice.id, Some(500), None).await.unwrap();
    tokio::time::sleep(age / 2 + Duration::from_millis(50)).await;
    let served = cached.usage_on_day(alice.id, &day).await.unwrap();
    assert_eq!(served.token_budget, None, "past half its age the kept entry is still served");
    // ... and read again in the background: the budget shows before the entry's age is over,
    // which only that background read can explain.
    let seen = loop {
        let now = cached.usage_on_day(alice.id, &day).await.unwrap();
        if now.token_budget.is_some() || read_at.elapsed() >= age - Duration::from_millis(100) {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert_eq!(seen.token_budget, Some(500), "not read again before its age was over");
}

/// Whether the users and rooms are created through the store under test (which then keeps them
/// from the start: no spending, no messages) or before it (it fills them with a read).
#[derive(Clone, Copy, PartialEq)]
enum Created {
    Here,
    Elsewhere,
}

/// What the random writes pick from.
struct Scene {
    rooms: Vec<RoomId>,
    users: Vec<UserId>,
    /// Per room: its questions and answers so far (ids), for edits, branches and writes.
    questions: Vec<Vec<MessageId>>,
    answers: Vec<Vec<(MessageId, MessageId)>>,
    streaming: Vec<MessageId>,
    client_ids: Vec<(UserId, String)>,
}

async fn exercise(
    inner: Arc<dyn Store>,
    settings: RecentSettings,
    created: Created,
    seed: u64,
    steps: usize,
) {
    let cached = chatbot_store::recent(inner.clone(), settings);
    let creator = if created == Created::Here { &cached } else { &inner };
    let alice = user(creator, "alice@example.com").await;
    let bob = user(creator, "bob@example.com").await;
    let first = room(creator, &alice, &[&bob]).await;
    let second = room(creator, &bob, &[&alice]).await;
    let mut scene = Scene {
        rooms: vec![first.id, second.id],
        users: vec![alice.id, bob.id],
        questions: vec![Vec::new(), Vec::new()],
        answers: vec![Vec::new(), Vec::new()],
        streaming: Vec::new(),
        client_ids: Vec::new(),
    };
    let mut rng = StdRng::seed_from_u64(seed);
    for step in 0..steps {
        let what = write(&cached, &mut scene, &mut rng).await;
        for room in scene.rooms.clone() {
            compare(&inner, &cached, room, &mut rng, &format!("step {step} ({what})")).await;
        }
        let day = day_text(OffsetDateTime::now_utc().date());
        for user in &scene.users {
            let kept = cached.usage_on_day(*user, &day).await.unwrap();
            assert_eq!(
                kept,
                inner.usage_on_day(*user, &day).await.unwrap(),
                "step {step} ({what}): spending"
            );
        }
    }
}

/// Reads the newest messages, a slice before a random seq, and one past the room's end, with
/// limits under and at the window (and one over it), from both stores.
async fn compare(
    inner: &Arc<dyn Store>,
    cached: &Arc<dyn Store>,
    room: RoomId,
    rng: &mut StdRng,
    what: &str,
) {
    let newest = inner.prompt_history(room, None, 1000).await.unwrap();
    let last = newest.last().map_or(0, |m| m.seq);
    let mut asks = vec![(None, WINDOW), (None, 2), (Some(last + 1), WINDOW), (Some(last + 5), 3)];
    asks.push((Some(rng.random_range(0..=last + 1)), rng.random_range(1..=WINDOW)));
    asks.push((Some(rng.random_range(0..=last + 1)), WINDOW + 1));
    for (before, limit) in asks {
        let expected = inner.prompt_history(room, before, limit).await.unwrap();
        let got = cached.prompt_history(room, before, limit).await.unwrap();
        assert_eq!(got, expected, "{what}: prompt_history(before {before:?}, limit {limit})");
    }
}

/// One random write through `cached`; returns what it was.
async fn write(cached: &Arc<dyn Store>, scene: &mut Scene, rng: &mut StdRng) -> &'static str {
    let r = rng.random_range(0..scene.rooms.len());
    let room = scene.rooms[r];
    let user = scene.users[rng.random_range(0..scene.users.len())];
    let now = OffsetDateTime::now_utc();
    match rng.random_range(0..16) {
        0..=3 => {
            let mut new = text(room, user, &format!("question {}", rng.random::<u16>()));
            if rng.random_bool(0.3) {
                let client_id = format!("c-{}", rng.random::<u32>());
                scene.client_ids.push((user, client_id.clone()));
                new.client_id = Some(client_id);
            }
            let message = cached.append_message(new).await.unwrap().into_message();
            scene.questions[r].push(message.id);
            "question"
        }
        4 => {
            // A retried send: stored once.
            let Some((user, client_id)) = scene.client_ids.first().cloned() else { return "nothing" };
            let new = NewMessage { client_id: Some(client_id), ..text(room, user, "again") };
            cached.append_messages(vec![new]).await.unwrap().pop().unwrap().unwrap();
            "retried send"
        }
        5..=6 => {
            let Some(&question) = scene.questions[r].last() else { return "nothing" };
            let batch = vec![answer(room, question, ""), text(room, user, "and a remark")];
            let results = cached.append_messages(batch).await.unwrap();
            let answer = results[0].as_ref().unwrap().message().id;
            scene.answers[r].push((question, answer));
            scene.streaming.push(answer);
            "answer started, with a remark"
        }
        7 => {
            let Some(&id) = scene.streaming.last() else { return "nothing" };
            let partial = AnswerWrite::Partial { id, content: format!("so far {}", rng.random::<u16>()) };
            cached.write_answers(vec![partial]).await.unwrap().pop().unwrap().unwrap();
            "partial text"
        }
        8 => {
            let Some(id) = scene.streaming.pop() else { return "nothing" };
            let usage = demo_usage(scene.users[0], room, Some(id));
            let end = AnswerWrite::Finish {
                id,
                content: format!("answer {}", rng.random::<u16>()),
                status: MessageStatus::Complete,
                error: None,
                usage: Some(Box::new(usage)),
            };
            cached.write_answers(vec![end]).await.unwrap().pop().unwrap().unwrap();
            "answer finished"
        }
        9 => {
            let Some(id) = scene.streaming.pop() else { return "nothing" };
            let usage = Some(demo_usage(scene.users[1], room, Some(id)));
            cached.finish_answer(id, "stopped here", MessageStatus::Stopped, None, usage).await.unwrap();
            "answer stopped"
        }
        10 => {
            let Some(&(question, answer)) = scene.answers[r].first() else { return "nothing" };
            let chosen = rng.random_bool(0.5).then_some(answer);
            cached.set_active_reply(question, chosen).await.unwrap();
            "branch chosen"
        }
        11 => {
            let Some(&question) = scene.questions[r].first() else { return "nothing" };
            if rng.random_bool(0.5) {
                match cached.edit_message(question, &format!("edited {}", rng.random::<u16>()), now).await {
                    Ok(_) | Err(chatbot_store::StoreError::NotFound) => "edit",
                    Err(err) => panic!("edit: {err}"),
                }
            } else {
                match cached.delete_message(question, now).await {
                    Ok(_) | Err(chatbot_store::StoreError::NotFound) => "delete",
                    Err(err) => panic!("delete: {err}"),
                }
            }
        }
        12 => {
            let swept = cached.interrupt_streaming(now + time::Duration::seconds(1)).await.unwrap();
            scene.streaming.retain(|id| !swept.iter().any(|m| m.id == *id));
            "answers swept"
        }
        13 => {
            cached.record_usage(demo_usage(user, room, None)).await.unwrap();
            "usage recorded"
        }
        14 => {
            let ai_mode = if rng.random_bool(0.5) { AiMode::Off } else { AiMode::Always };
            let patch = RoomPatch { ai_mode: Some(ai_mode), ..RoomPatch::default() };
            cached.update_room(room, patch).await.unwrap();
            "assistant switched"
        }
        _ => {
            let tokens = rng.random_bool(0.5).then(|| rng.random_range(1..1_000_000));
            cached.set_user_budget(user, tokens, None).await.unwrap();
            "budget set"
        }
    }
}
