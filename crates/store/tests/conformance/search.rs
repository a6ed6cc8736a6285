//! Full-text search: both backends find English and Korean, only in the searcher's rooms, never
//! deleted text, edits at once, and answers once they have ended.

use crate::{answer, room, text, user};
use chatbot_domain::{MessageStatus, UserId};
use chatbot_store::{AnswerWrite, AnswerWritten, SearchQuery, Store};
use std::sync::Arc;
use time::OffsetDateTime;

fn query(user: UserId, terms: &[&str]) -> SearchQuery {
    SearchQuery {
        user_id: user,
        terms: terms.iter().map(|t| (*t).to_owned()).collect(),
        room_id: None,
        offset: 0,
        limit: 20,
    }
}

async fn found(store: &Arc<dyn Store>, q: SearchQuery) -> Vec<String> {
    let mut texts: Vec<String> =
        store.search_messages(&q).await.unwrap().into_iter().map(|h| h.message.content).collect();
    texts.sort();
    texts
}

async fn finds_english_and_korean_in_own_rooms_only(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let shared = room(&store, &alice, &[&bob]).await;
    let private = room(&store, &bob, &[]).await;
    for (room, author, content) in [
        (shared.id, alice.id, "안녕하세요 세계"),
        (shared.id, alice.id, "Deploying the Rust server today"),
        (shared.id, bob.id, "the rust belt"),
        (shared.id, bob.id, "오늘 회의는 취소되었습니다"),
        (private.id, bob.id, "rust secrets of bob"),
    ] {
        store.append_message(text(room, author, content)).await.unwrap();
    }
    assert_eq!(found(&store, query(alice.id, &["안녕"])).await, ["안녕하세요 세계"], "a two-syllable word");
    assert_eq!(found(&store, query(alice.id, &["회의는"])).await, ["오늘 회의는 취소되었습니다"]);
    assert_eq!(
        found(&store, query(alice.id, &["rust"])).await,
        ["Deploying the Rust server today", "the rust belt"],
        "any case; not Bob's private room"
    );
    assert_eq!(
        found(&store, query(alice.id, &["rust", "server"])).await,
        ["Deploying the Rust server today"]
    );
    assert_eq!(
        found(&store, query(alice.id, &["deploy"])).await,
        ["Deploying the Rust server today"],
        "a prefix"
    );
    assert!(found(&store, query(alice.id, &["secrets"])).await.is_empty());
    assert_eq!(found(&store, query(bob.id, &["secrets"])).await, ["rust secrets of bob"]);
    let only_private = SearchQuery { room_id: Some(private.id), ..query(bob.id, &["rust"]) };
    assert_eq!(found(&store, only_private).await, ["rust secrets of bob"]);

    let hits = store.search_messages(&query(alice.id, &["rust"])).await.unwrap();
    assert!(hits.iter().all(|h| h.room_name == shared.name && h.message.room_id == shared.id));
    assert_eq!(
        hits.iter().find(|h| h.message.content == "the rust belt").unwrap().message.user_name.as_deref(),
        Some("bob")
    );
}

async fn edits_and_deletions_are_searched_at_once(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let message = store
        .append_message(text(room.id, alice.id, "the launch code is banana"))
        .await
        .unwrap()
        .into_message();
    assert_eq!(found(&store, query(alice.id, &["banana"])).await.len(), 1);
    store.edit_message(message.id, "the launch code is mango", OffsetDateTime::now_utc()).await.unwrap();
    assert!(found(&store, query(alice.id, &["banana"])).await.is_empty(), "the old text is gone");
    assert_eq!(found(&store, query(alice.id, &["mango"])).await.len(), 1);
    store.delete_message(message.id, OffsetDateTime::now_utc()).await.unwrap();
    assert!(found(&store, query(alice.id, &["mango"])).await.is_empty(), "deleted text is not found");
    assert!(found(&store, query(alice.id, &["launch"])).await.is_empty());
}

async fn windows_are_newest_first_with_ranks(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    store.append_message(text(room.id, alice.id, "apples apples apples apples")).await.unwrap();
    for i in 0..5 {
        store
            .append_message(text(room.id, alice.id, &format!("note number {i} about apples")))
            .await
            .unwrap();
    }
    let first =
        store.search_messages(&SearchQuery { limit: 4, ..query(alice.id, &["apples"]) }).await.unwrap();
    let second = store
        .search_messages(&SearchQuery { limit: 4, offset: 4, ..query(alice.id, &["apples"]) })
        .await
        .unwrap();
    assert_eq!((first.len(), second.len()), (4, 2));
    let seqs: Vec<i64> = first.iter().chain(&second).map(|h| h.message.seq).collect();
    assert_eq!(seqs, [6, 5, 4, 3, 2, 1], "windows neither repeat nor skip, newest first");
    let best = second.iter().find(|h| h.message.seq == 1).unwrap();
    assert!(first.iter().chain(&second).filter(|h| h.message.seq != 1).all(|h| h.rank < best.rank), "ranked");
}

/// Past the few thousand newest messages that PostgreSQL's search reads first to choose its plan
/// (`SEARCH_PROBE`, 3,000): whichever plan answers, the window is the newest matches, none twice,
/// none skipped at the probe's edge.
async fn a_window_reaching_below_the_newest_thousands_is_the_newest_matches(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let elsewhere = crate::room(&store, &bob, &[]).await;
    const MESSAGES: i64 = 4_000;
    // Seq s mentions the needle when s % 170 == 31: 24 of them. Bob's room, written after, has
    // 50 messages with needles too, which Alice must not see; so the 3,000th newest message is
    // Alice's seq 1,051, a needle, the 18th newest: the newest 20 reach below it.
    let needle = |s: i64| s % 170 == 31;
    let mut batch: Vec<_> = (1..=MESSAGES)
        .map(|s| {
            let content =
                if needle(s) { format!("message {s} with a needle") } else { format!("message {s}") };
            text(room.id, alice.id, &content)
        })
        .collect();
    batch.extend((1..=50).map(|s| text(elsewhere.id, bob.id, &format!("bob's needle {s}"))));
    for chunk in batch.chunks(500) {
        for appended in store.append_messages(chunk.to_vec()).await.unwrap() {
            appended.unwrap();
        }
    }
    let expected: Vec<i64> = (1..=MESSAGES).rev().filter(|s| needle(*s)).take(20).collect();
    assert_eq!((expected[17], expected[19]), (1_051, 711), "the window crosses the probe's edge");
    let window =
        store.search_messages(&SearchQuery { limit: 20, ..query(alice.id, &["needle"]) }).await.unwrap();
    let seqs: Vec<i64> = window.iter().map(|h| h.message.seq).collect();
    assert_eq!(seqs, expected);
    let next = store
        .search_messages(&SearchQuery { limit: 20, offset: 20, ..query(alice.id, &["needle"]) })
        .await
        .unwrap();
    let seqs: Vec<i64> = next.iter().map(|h| h.message.seq).collect();
    assert_eq!(seqs, [541, 371, 201, 31], "the rest, oldest last");
}

/// An answer is searchable once it has ended, not while it streams (its text, written whole at
/// every flush, is indexed once), however it ends; and it leaves the index as other messages do.
async fn answers_are_searchable_once_they_end(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question =
        store.append_message(text(room.id, alice.id, "which fruit?")).await.unwrap().into_message();
    let reply = store.append_message(answer(room.id, question.id, "papaya")).await.unwrap().into_message();
    store.update_message(reply.id, "papaya is", MessageStatus::Streaming, None).await.unwrap();
    let batched = store
        .write_answers(vec![AnswerWrite::Partial { id: reply.id, content: "papaya is sweet".into() }])
        .await
        .unwrap();
    assert!(matches!(batched[..], [Ok(AnswerWritten::Partial)]), "{batched:?}");
    assert!(found(&store, query(alice.id, &["papaya"])).await.is_empty(), "not while streaming");

    store
        .update_message(reply.id, "papaya is sweet and orange", MessageStatus::Complete, None)
        .await
        .unwrap();
    assert_eq!(found(&store, query(alice.id, &["papaya"])).await, ["papaya is sweet and orange"], "once");
    assert!(found(&store, query(alice.id, &["fruit"])).await.len() == 1, "the question as before");

    // Interrupted by the sweep: its text so far is found.
    let cut = store.append_message(answer(room.id, question.id, "")).await.unwrap().into_message();
    store.update_message(cut.id, "kiwi 회의, maybe", MessageStatus::Streaming, None).await.unwrap();
    assert!(found(&store, query(alice.id, &["kiwi"])).await.is_empty());
    // A term too short for SQLite's trigram index is looked for without it: not there either.
    assert!(found(&store, query(alice.id, &["회의"])).await.is_empty());
    let later = OffsetDateTime::now_utc() + time::Duration::seconds(1);
    assert_eq!(store.interrupt_streaming(later).await.unwrap().len(), 1);
    assert_eq!(found(&store, query(alice.id, &["kiwi"])).await, ["kiwi 회의, maybe"]);
    assert_eq!(found(&store, query(alice.id, &["회의"])).await, ["kiwi 회의, maybe"]);

    // An ended answer leaves the index with its deletion, like any message.
    store.delete_message(reply.id, OffsetDateTime::now_utc()).await.unwrap();
    assert!(found(&store, query(alice.id, &["papaya"])).await.is_empty());
    assert_eq!(found(&store, query(alice.id, &["kiwi"])).await, ["kiwi 회의, maybe"]);
}

store_tests!(
    answers_are_searchable_once_they_end,
    a_window_reaching_below_the_newest_thousands_is_the_newest_matches,
    finds_english_and_korean_in_own_rooms_only,
    edits_and_deletions_are_searched_at_once,
    windows_are_newest_first_with_ranks
);
