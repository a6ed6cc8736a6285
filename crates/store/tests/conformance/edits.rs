//! Editing and deleting messages, branches (answers to one question) and what an export reads.

use crate::{answer, room, text, user};
use chatbot_domain::{MessageId, MessageStatus};
use chatbot_store::{HistoryQuery, NewMessage, NewUsage, PromptMessage, Store, StoreError};
use std::sync::Arc;
use time::OffsetDateTime;
use uuid::Uuid;

async fn editing_keeps_the_old_text_on_the_answers_to_it(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question =
        store.append_message(text(room.id, alice.id, "what is 2+2?")).await.unwrap().into_message();
    let first = store.append_message(answer(room.id, question.id, "4")).await.unwrap().into_message();
    store.set_active_reply(question.id, Some(first.id)).await.unwrap();

    let at = OffsetDateTime::now_utc();
    let edited = store.edit_message(question.id, "what is 3+3?", at).await.unwrap();
    assert_eq!(edited.content, "what is 3+3?");
    assert_eq!((edited.seq, edited.edited_at.is_some(), edited.deleted_at), (question.seq, true, None));
    assert_eq!(edited.active_reply, None, "an edit follows the newest answer again");
    let first = store.message(first.id).await.unwrap().unwrap();
    assert_eq!(first.prompt.as_deref(), Some("what is 2+2?"));

    // A second answer (to the new text), then a second edit: each answer keeps the text it answered.
    let second = store.append_message(answer(room.id, question.id, "6")).await.unwrap().into_message();
    store.edit_message(question.id, "what is 4+4?", OffsetDateTime::now_utc()).await.unwrap();
    let replies = store.replies(question.id).await.unwrap();
    let prompts: Vec<_> = replies.iter().map(|m| (m.id, m.prompt.clone())).collect();
    assert_eq!(
        prompts,
        vec![(first.id, Some("what is 2+2?".into())), (second.id, Some("what is 3+3?".into()))]
    );
    // The same text again changes no prompt.
    let third = store.append_message(answer(room.id, question.id, "8")).await.unwrap().into_message();
    store.edit_message(question.id, "what is 4+4?", OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(store.message(third.id).await.unwrap().unwrap().prompt, None);

    let err = store.edit_message(MessageId::new(), "x", at).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound), "{err:?}");
}

async fn deleting_leaves_a_tombstone_and_forgets_older_texts(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question = store.append_message(text(room.id, alice.id, "secret plan")).await.unwrap().into_message();
    let reply = store.append_message(answer(room.id, question.id, "noted")).await.unwrap().into_message();
    store.edit_message(question.id, "public plan", OffsetDateTime::now_utc()).await.unwrap();
    assert!(store.message(reply.id).await.unwrap().unwrap().prompt.is_some());

    let deleted = store.delete_message(question.id, OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!((deleted.content.as_str(), deleted.seq), ("", question.seq));
    assert!(deleted.deleted_at.is_some());
    assert_eq!(store.message(reply.id).await.unwrap().unwrap().prompt, None, "no older text stays");
    let history =
        store.list_messages(room.id, HistoryQuery { before: None, after: None, limit: 10 }).await.unwrap();
    assert_eq!(history.iter().map(|m| m.seq).collect::<Vec<_>>(), vec![1, 2], "no gap");
    assert!(history.iter().all(|m| !m.content.contains("plan")));

    for err in [
        store.delete_message(question.id, OffsetDateTime::now_utc()).await.unwrap_err(),
        store.edit_message(question.id, "back", OffsetDateTime::now_utc()).await.unwrap_err(),
    ] {
        assert!(matches!(err, StoreError::NotFound), "a tombstone stays one: {err:?}");
    }
    let summary = store.room_for_member(room.id, alice.id).await.unwrap().unwrap();
    assert!(summary.unread <= 1, "the tombstone is not unread: {}", summary.unread);
}

async fn branches_and_usage_for_exports(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question = store.append_message(text(room.id, alice.id, "hi")).await.unwrap().into_message();
    let a = store.append_message(answer(room.id, question.id, "one")).await.unwrap().into_message();
    store.append_message(text(room.id, alice.id, "between")).await.unwrap();
    let b = store.append_message(answer(room.id, question.id, "two")).await.unwrap().into_message();
    let ids: Vec<MessageId> = store.replies(question.id).await.unwrap().iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![a.id, b.id], "branches in seq order");
    assert!(store.replies(a.id).await.unwrap().is_empty());

    let chosen = store.set_active_reply(question.id, Some(a.id)).await.unwrap();
    assert_eq!(chosen.active_reply, Some(a.id));
    assert_eq!(store.set_active_reply(question.id, None).await.unwrap().active_reply, None);
    assert!(matches!(store.set_active_reply(MessageId::new(), None).await, Err(StoreError::NotFound)));

    for (message, cost) in [(a.id, 100), (a.id, 50), (b.id, 7)] {
        let usage = NewUsage {
            id: Uuid::now_v7(),
            message_id: Some(message),
            user_id: Some(alice.id),
            room_id: Some(room.id),
            provider: "demo".into(),
            model: "demo".into(),
            input_tokens: 10,
            output_tokens: 20,
            cache_creation_tokens: 1,
            cache_read_tokens: 2,
            cost,
            ttft_ms: None,
            duration_ms: None,
        };
        store.record_usage(usage).await.unwrap();
    }
    store.finish_answer(b.id, "two", MessageStatus::Complete, None, None).await.unwrap();
    let mut lines = store.usage_of_messages(room.id, 0, 4).await.unwrap();
    lines.sort_by_key(|u| u.cost);
    let seen: Vec<_> =
        lines.iter().map(|u| (u.message_id, u.input_tokens, u.output_tokens, u.cost)).collect();
    assert_eq!(seen, vec![(b.id, 10, 20, 7), (a.id, 20, 40, 150)], "summed per answer");
    let only_first = store.usage_of_messages(room.id, 0, 2).await.unwrap();
    assert_eq!(
        only_first.iter().map(|u| u.message_id).collect::<Vec<_>>(),
        vec![a.id],
        "the seq range holds"
    );
}

store_tests!(
    editing_keeps_the_old_text_on_the_answers_to_it,
    deleting_leaves_a_tombstone_and_forgets_older_texts,
    the_prompt_history_is_the_history_as_a_prompt_reads_it,
    branches_and_usage_for_exports,
    share_links_are_stored_listed_and_revoked,
);

async fn the_prompt_history_is_the_history_as_a_prompt_reads_it(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let asked = NewMessage { client_id: Some("c-1".into()), ..text(room.id, alice.id, "what is 2+2?") };
    let question = store.append_message(asked).await.unwrap().into_message();
    let first = store.append_message(answer(room.id, question.id, "4")).await.unwrap().into_message();
    store.set_active_reply(question.id, Some(first.id)).await.unwrap();
    store.edit_message(question.id, "what is 3+3?", OffsetDateTime::now_utc()).await.unwrap();
    let gone = store.append_message(text(room.id, alice.id, "oops")).await.unwrap().into_message();
    store.delete_message(gone.id, OffsetDateTime::now_utc()).await.unwrap();
    let last = store.append_message(text(room.id, alice.id, "next")).await.unwrap().into_message();

    let newest = HistoryQuery { before: None, after: None, limit: 10 };
    let whole: Vec<PromptMessage> =
        store.list_messages(room.id, newest).await.unwrap().iter().map(PromptMessage::from).collect();
    assert_eq!(whole.len(), 4);
    assert!(whole[1].prompt.is_some() && whole[2].deleted && whole[0].client_id.is_some(), "{whole:?}");
    assert_eq!(store.prompt_history(room.id, None, 10).await.unwrap(), whole, "every column a prompt uses");
    let before_last = store.prompt_history(room.id, Some(last.seq), 2).await.unwrap();
    assert_eq!(before_last, whole[1..3].to_vec(), "the newest two before `next`, ascending");
}

async fn share_links_are_stored_listed_and_revoked(store: Arc<dyn Store>) {
    use chatbot_store::ShareLink;
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let now = OffsetDateTime::now_utc();
    let link = |token: &str, expires| ShareLink {
        id: Uuid::now_v7(),
        token: token.to_owned(),
        room_id: room.id,
        created_by: Some(alice.id),
        up_to_seq: 7,
        created_at: now,
        expires_at: expires,
        revoked_at: None,
    };
    let first = link("token-one", None);
    let second = link("token-two", Some(now + time::Duration::hours(1)));
    store.create_share(&first).await.unwrap();
    store.create_share(&second).await.unwrap();
    let err = store.create_share(&link("token-one", None)).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "tokens are unique: {err:?}");
    let err = store
        .create_share(&ShareLink { room_id: chatbot_domain::RoomId::new(), ..link("token-x", None) })
        .await;
    assert!(matches!(err, Err(StoreError::NotFound)), "{err:?}");

    let listed = store.list_shares(room.id).await.unwrap();
    assert_eq!(listed.iter().map(|s| s.id).collect::<Vec<_>>(), vec![second.id, first.id], "newest first");
    assert_eq!(store.share_by_token("token-two").await.unwrap().as_ref(), listed.first());
    assert_eq!(store.share_by_token("nope").await.unwrap(), None);
    let revoked = store.revoke_share(room.id, first.id, now).await.unwrap().unwrap();
    assert_eq!((revoked.id, revoked.revoked_at.is_some()), (first.id, true), "the link as it now is");
    assert_eq!(store.revoke_share(room.id, first.id, now).await.unwrap(), None, "once");
    assert_eq!(
        store.revoke_share(chatbot_domain::RoomId::GENERAL, second.id, now).await.unwrap(),
        None,
        "another room's link"
    );
    let revoked = store.share_by_token("token-one").await.unwrap().unwrap();
    assert!(!revoked.is_live(now) && revoked.revoked_at.is_some());
    assert!(second.is_live(now) && !second.is_live(now + time::Duration::hours(2)));
    store.delete_room(room.id).await.unwrap();
    assert_eq!(store.share_by_token("token-two").await.unwrap(), None, "gone with the room");
}
