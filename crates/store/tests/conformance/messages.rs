use crate::{answer, room, text, user, with_client_id};
use chatbot_domain::{MessageId, MessageRole, MessageStatus, RoomId, UserId};
use chatbot_store::{Appended, HistoryQuery, Store, StoreError};
use std::collections::HashSet;
use std::sync::Arc;

async fn append_assigns_the_next_seq(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let new = text(room.id, alice.id, "hello");
    let Appended::Created(first) = store.append_message(new.clone()).await.unwrap() else {
        panic!("expected Created");
    };
    assert_eq!(first.id, new.id);
    assert_eq!(first.room_id, room.id);
    assert_eq!(first.seq, 1);
    assert_eq!(first.user_id, Some(alice.id));
    assert_eq!(first.user_name.as_deref(), Some("alice"));
    assert_eq!(first.role, MessageRole::User);
    assert_eq!(first.content, "hello");
    assert_eq!(first.status, MessageStatus::Complete);
    assert_eq!(first.client_id, None);
    assert_eq!(first.error, None);
    assert_eq!(first.created_at, first.updated_at);
    assert_eq!((first.edited_at, first.deleted_at), (None, None));
    assert_eq!(store.message(first.id).await.unwrap(), Some(first.clone()));

    let reply = store.append_message(answer(room.id, first.id, "hi")).await.unwrap().into_message();
    assert_eq!(reply.seq, 2);
    assert_eq!(reply.user_id, None);
    assert_eq!(reply.user_name, None);
    assert_eq!(reply.role, MessageRole::Assistant);
    assert_eq!(reply.status, MessageStatus::Streaming);
    assert_eq!(reply.model.as_deref(), Some("claude-test"));
    assert_eq!(reply.reply_to, Some(first.id));
    assert_eq!(store.message(reply.id).await.unwrap(), Some(reply));

    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 2);
    // Seqs are per room.
    let other = crate::room(&store, &alice, &[]).await;
    assert_eq!(store.append_message(text(other.id, alice.id, "x")).await.unwrap().message().seq, 1);
    assert_eq!(store.append_message(text(RoomId::GENERAL, alice.id, "x")).await.unwrap().message().seq, 1);
    assert_eq!(store.message(MessageId::new()).await.unwrap(), None);
}

async fn append_to_unknown_room_or_author(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let err = store.append_message(text(RoomId::new(), alice.id, "lost")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    let room = room(&store, &alice, &[]).await;
    let err = store.append_message(text(room.id, UserId::new(), "who?")).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 0, "the failed append left no gap");
    let ok = store.append_message(text(room.id, alice.id, "fine")).await.unwrap();
    assert_eq!(ok.message().seq, 1);
}

async fn concurrent_appends_are_gap_free(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    let tasks: Vec<_> = (0..10)
        .map(|t| {
            let store = store.clone();
            let author = if t % 2 == 0 { alice.id } else { bob.id };
            tokio::spawn(async move {
                let mut seqs = Vec::new();
                for i in 0..20 {
                    let m = store.append_message(text(room.id, author, &format!("{t}-{i}"))).await.unwrap();
                    seqs.push(m.message().seq);
                }
                seqs
            })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        let mine = task.await.unwrap();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "increasing for one sender: {mine:?}");
        seqs.extend(mine);
    }
    seqs.sort();
    assert_eq!(seqs, (1..=200).collect::<Vec<i64>>());
    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 200);
    let stored = store
        .list_messages(room.id, HistoryQuery { before: None, after: Some(0), limit: 1000 })
        .await
        .unwrap();
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=200).collect::<Vec<i64>>());
}

async fn client_id_makes_append_idempotent(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[&bob]).await;
    let other = crate::room(&store, &alice, &[]).await;

    let first = store.append_message(with_client_id(text(room.id, alice.id, "once"), "c-1")).await.unwrap();
    let Appended::Created(first) = first else { panic!("expected Created") };
    assert_eq!(first.client_id.as_deref(), Some("c-1"));

    // A retry (new message id, even other content) returns the first message, unchanged.
    let retry = store.append_message(with_client_id(text(room.id, alice.id, "twice"), "c-1")).await.unwrap();
    assert_eq!(retry, Appended::Duplicate(first.clone()));
    // … in any room.
    let elsewhere = store.append_message(with_client_id(text(other.id, alice.id, "x"), "c-1")).await.unwrap();
    assert_eq!(elsewhere, Appended::Duplicate(first.clone()));
    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 1, "nothing written");
    assert_eq!(store.room(other.id).await.unwrap().unwrap().last_seq, 0, "nothing written");

    // The key is per user.
    let bobs = store.append_message(with_client_id(text(room.id, bob.id, "mine"), "c-1")).await.unwrap();
    assert!(matches!(bobs, Appended::Created(ref m) if m.seq == 2));
    let next = store.append_message(with_client_id(text(room.id, alice.id, "new"), "c-2")).await.unwrap();
    assert!(matches!(next, Appended::Created(ref m) if m.seq == 3));
}

async fn concurrent_duplicates_store_one_message(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room_a = room(&store, &alice, &[]).await;
    let room_b = crate::room(&store, &alice, &[]).await;
    for round in 0..5 {
        let client_id = format!("retry-{round}");
        let tasks: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                let room_id = if t % 2 == 0 { room_a.id } else { room_b.id };
                let new = with_client_id(text(room_id, alice.id, &format!("attempt {t}")), &client_id);
                tokio::spawn(async move { store.append_message(new).await })
            })
            .collect();
        let mut created = Vec::new();
        let mut ids = HashSet::new();
        for task in tasks {
            let appended = task.await.unwrap().unwrap();
            ids.insert(appended.message().id);
            if let Appended::Created(m) = appended {
                created.push(m);
            }
        }
        assert_eq!(created.len(), 1, "round {round}");
        assert_eq!(ids.len(), 1, "every duplicate returns the first message");
    }
    let a = store.room(room_a.id).await.unwrap().unwrap().last_seq;
    let b = store.room(room_b.id).await.unwrap().unwrap().last_seq;
    assert_eq!(a + b, 5, "one message per round, no seq burnt");
    for room in [room_a.id, room_b.id] {
        let seqs: Vec<_> = store
            .list_messages(room, HistoryQuery { before: None, after: None, limit: 100 })
            .await
            .unwrap()
            .iter()
            .map(|m| m.seq)
            .collect();
        let last = store.room(room).await.unwrap().unwrap().last_seq;
        assert_eq!(seqs, (1..=last).collect::<Vec<_>>(), "gap-free");
    }
}

async fn history_pagination(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let noise = crate::room(&store, &alice, &[]).await;
    for i in 1..=25 {
        store.append_message(text(room.id, alice.id, &format!("m{i}"))).await.unwrap();
        if i % 5 == 0 {
            store.append_message(text(noise.id, alice.id, "noise")).await.unwrap();
        }
    }
    let seqs = |before: Option<i64>, after: Option<i64>, limit: u32| {
        let store = store.clone();
        async move {
            let page = store.list_messages(room.id, HistoryQuery { before, after, limit }).await.unwrap();
            assert!(page.iter().all(|m| m.room_id == room.id));
            page.iter().map(|m| m.seq).collect::<Vec<i64>>()
        }
    };
    let range = |a: i64, b: i64| (a..=b).collect::<Vec<i64>>();

    // Newest first page, then walking back with `before`.
    assert_eq!(seqs(None, None, 10).await, range(16, 25));
    assert_eq!(seqs(Some(16), None, 10).await, range(6, 15));
    assert_eq!(seqs(Some(6), None, 10).await, range(1, 5));
    assert_eq!(seqs(Some(1), None, 10).await, range(1, 0));
    // Catching up with `after`.
    assert_eq!(seqs(None, Some(0), 10).await, range(1, 10));
    assert_eq!(seqs(None, Some(20), 10).await, range(21, 25));
    assert_eq!(seqs(None, Some(25), 10).await, range(1, 0));
    // Both: the window between, oldest first.
    assert_eq!(seqs(Some(9), Some(5), 10).await, range(6, 8));
    assert_eq!(seqs(Some(20), Some(5), 3).await, range(6, 8));
    assert_eq!(seqs(None, None, 100).await, range(1, 25));
    assert_eq!(seqs(None, None, 0).await, range(1, 0));

    let page =
        store.list_messages(room.id, HistoryQuery { before: Some(3), after: None, limit: 5 }).await.unwrap();
    assert_eq!(page[0].content, "m1");
    assert_eq!(page[0].user_name.as_deref(), Some("alice"));
    assert!(
        store
            .list_messages(RoomId::new(), HistoryQuery { before: None, after: None, limit: 5 })
            .await
            .unwrap()
            .is_empty()
    );
}

store_tests!(
    append_assigns_the_next_seq,
    append_to_unknown_room_or_author,
    concurrent_appends_are_gap_free,
    client_id_makes_append_idempotent,
    concurrent_duplicates_store_one_message,
    history_pagination,
    batch_append_is_ordered_and_idempotent,
    batch_with_a_failing_message_stores_the_others,
);

async fn batch_append_is_ordered_and_idempotent(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room_a = room(&store, &alice, &[]).await;
    let room_b = room(&store, &alice, &[]).await;
    store.append_message(with_client_id(text(room_a.id, alice.id, "earlier"), "c-0")).await.unwrap();
    let batch = vec![
        text(room_a.id, alice.id, "a1"),
        text(room_b.id, alice.id, "b1"),
        with_client_id(text(room_a.id, alice.id, "a2"), "c-1"),
        with_client_id(text(room_a.id, alice.id, "a2 again"), "c-1"),
        with_client_id(text(room_b.id, alice.id, "retry of earlier"), "c-0"),
        text(RoomId::new(), alice.id, "nowhere"),
        text(room_a.id, alice.id, "a3"),
    ];
    let results = store.append_messages(batch).await.unwrap();
    assert_eq!(results.len(), 7);
    let seq = |i: usize| results[i].as_ref().unwrap().message().seq;
    assert_eq!((seq(0), seq(2), seq(6)), (2, 3, 4), "input order is seq order within a room");
    assert_eq!(seq(1), 1);
    assert!(matches!(results[2], Ok(Appended::Created(_))));
    let Ok(Appended::Duplicate(dup)) = &results[3] else { panic!("in-batch duplicate: {:?}", results[3]) };
    assert_eq!(dup.content, "a2");
    let Ok(Appended::Duplicate(earlier)) = &results[4] else { panic!("earlier duplicate: {:?}", results[4]) };
    assert_eq!(earlier.content, "earlier");
    assert!(matches!(results[5], Err(StoreError::NotFound)), "{:?}", results[5]);
    let stored =
        store.list_messages(room_a.id, HistoryQuery { before: None, after: None, limit: 50 }).await.unwrap();
    let contents: Vec<&str> = stored.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(contents, ["earlier", "a1", "a2", "a3"]);
    assert_eq!(store.room(room_a.id).await.unwrap().unwrap().last_seq, 4, "no gap");
}

async fn batch_with_a_failing_message_stores_the_others(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    // An unknown author fails at the insert (foreign key), after the seq bump: the batch must
    // not commit a gap, and the other messages must still be stored.
    let batch = vec![
        text(room.id, alice.id, "one"),
        text(room.id, UserId::new(), "ghost"),
        text(room.id, alice.id, "two"),
    ];
    let results = store.append_messages(batch).await.unwrap();
    assert_eq!(results[0].as_ref().unwrap().message().seq, 1);
    assert!(matches!(results[1], Err(StoreError::NotFound)), "{:?}", results[1]);
    assert_eq!(results[2].as_ref().unwrap().message().seq, 2);
    assert_eq!(store.room(room.id).await.unwrap().unwrap().last_seq, 2);
    assert!(store.append_messages(Vec::new()).await.unwrap().is_empty());
}
