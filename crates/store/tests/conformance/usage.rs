use crate::{answer, demo_usage, room, text, user};
use chatbot_domain::{MessageId, MessageStatus};
use chatbot_store::{AnswerWrite, AnswerWritten, NewUsage, Room, Store, StoreError, UsageTotals, User};
use chatbot_test_support::spent_since;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn answers_are_flushed_finished_and_interrupted(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question = store.append_message(text(room.id, alice.id, "hi?")).await.unwrap().into_message();
    let reply = store.append_message(answer(room.id, question.id, "")).await.unwrap().into_message();
    assert_eq!(reply.status, MessageStatus::Streaming);

    let flushed = store.update_message(reply.id, "Hel", MessageStatus::Streaming, None).await.unwrap();
    assert_eq!((flushed.content.as_str(), flushed.status), ("Hel", MessageStatus::Streaming));
    assert!(flushed.updated_at >= reply.updated_at);
    assert_eq!(flushed.seq, reply.seq, "updates keep the seq");

    let other = store.append_message(answer(room.id, question.id, "")).await.unwrap().into_message();
    // Both were written just now: a cut-off before that leaves them alone (a live writer).
    let before = OffsetDateTime::now_utc() - Duration::seconds(5);
    assert_eq!(store.interrupt_streaming(before).await.unwrap().len(), 0);
    assert_eq!(store.message(other.id).await.unwrap().unwrap().status, MessageStatus::Streaming);
    let after = OffsetDateTime::now_utc() + Duration::seconds(1);
    let interrupted = store.interrupt_streaming(after).await.unwrap();
    assert_eq!(interrupted.len(), 2);
    assert!(interrupted.iter().all(|m| m.status == MessageStatus::Interrupted), "returned as they now are");
    assert_eq!(store.message(other.id).await.unwrap().unwrap().status, MessageStatus::Interrupted);
    assert_eq!(store.interrupt_streaming(after).await.unwrap().len(), 0);

    let failed =
        store.update_message(reply.id, "Hel", MessageStatus::Failed, Some("overloaded")).await.unwrap();
    assert_eq!((failed.status, failed.error.as_deref()), (MessageStatus::Failed, Some("overloaded")));
    let missing = store.update_message(MessageId::new(), "x", MessageStatus::Complete, None).await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
}

async fn usage_is_recorded_and_summed(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let bob = user(&store, "bob@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let usage = |user_id, cost| NewUsage { cost, ..demo_usage(user_id, room.id, None) };
    let before = OffsetDateTime::now_utc() - Duration::seconds(1);
    store.record_usage(usage(alice.id, 1500)).await.unwrap();
    store.record_usage(usage(alice.id, 500)).await.unwrap();
    store.record_usage(usage(bob.id, 7)).await.unwrap();
    assert_eq!(
        spent_since(store.as_ref(), alice.id, before).await,
        UsageTotals { tokens: 74, cost: 2000, token_budget: None, cost_budget: None }
    );
    assert_eq!(
        spent_since(store.as_ref(), bob.id, before).await,
        UsageTotals { tokens: 37, cost: 7, token_budget: None, cost_budget: None }
    );
    // Another day is another budget: nothing was spent on it.
    assert_eq!(store.usage_on_day(alice.id, "2000-01-01").await.unwrap(), UsageTotals::default());
}

/// A demo answer's usage in `room`, spent by `user`: `tokens` of input, costing as much.
fn usage_of(message_id: Option<MessageId>, user: &User, room: &Room, tokens: i64) -> NewUsage {
    NewUsage {
        id: Uuid::now_v7(),
        message_id,
        user_id: Some(user.id),
        room_id: Some(room.id),
        provider: "demo".into(),
        model: "demo".into(),
        input_tokens: tokens,
        output_tokens: 0,
        cache_creation_tokens: 0,
        cache_read_tokens: 0,
        cost: tokens,
        ttft_ms: None,
        duration_ms: None,
    }
}

/// The usage and the final text of an answer are stored together, or not at all.
async fn an_answer_finishes_with_its_usage_in_one_transaction(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question = store.append_message(text(room.id, alice.id, "hi?")).await.unwrap().into_message();
    let reply = store.append_message(answer(room.id, question.id, "")).await.unwrap().into_message();
    let usage = |message_id| NewUsage {
        output_tokens: 7,
        cost: 42,
        duration_ms: Some(10),
        ..usage_of(message_id, &alice, &room, 5)
    };
    let before = OffsetDateTime::now_utc() - Duration::seconds(1);
    let done = store
        .finish_answer(reply.id, "Hello", MessageStatus::Complete, None, Some(usage(Some(reply.id))))
        .await
        .unwrap();
    assert_eq!((done.content.as_str(), done.status), ("Hello", MessageStatus::Complete));
    assert_eq!(
        spent_since(store.as_ref(), alice.id, before).await,
        UsageTotals { tokens: 12, cost: 42, token_budget: None, cost_budget: None }
    );

    // A usage row that names no message (so no foreign key refuses it): only the rollback of the
    // transaction keeps it out.
    let missing =
        store.finish_answer(MessageId::new(), "x", MessageStatus::Complete, None, Some(usage(None))).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    assert_eq!(
        spent_since(store.as_ref(), alice.id, before).await,
        UsageTotals { tokens: 12, cost: 42, token_budget: None, cost_budget: None },
        "the usage of an answer that was not stored is not counted"
    );
}

/// Several answers' writes in one batch: each does what it would alone, and a missing row fails
/// only its own write (its usage is not counted), not the rest of the batch.
async fn answer_writes_are_batched_and_fail_alone(store: Arc<dyn Store>) {
    let alice = user(&store, "alice@example.com").await;
    let room = room(&store, &alice, &[]).await;
    let question = store.append_message(text(room.id, alice.id, "hi?")).await.unwrap().into_message();
    let streaming = store.append_message(answer(room.id, question.id, "")).await.unwrap().into_message();
    let finishing = store.append_message(answer(room.id, question.id, "")).await.unwrap().into_message();
    let usage = |message_id, tokens| usage_of(message_id, &alice, &room, tokens);
    let before = OffsetDateTime::now_utc() - Duration::seconds(1);
    let finish = |id, text: &str, usage| AnswerWrite::Finish {
        id,
        content: text.into(),
        status: MessageStatus::Complete,
        error: None,
        usage: Some(Box::new(usage)),
    };
    let results = store
        .write_answers(vec![
            AnswerWrite::Partial { id: streaming.id, content: "Hel".into() },
            finish(MessageId::new(), "lost", usage(None, 1000)),
            finish(finishing.id, "Done", usage(Some(finishing.id), 7)),
            AnswerWrite::Partial { id: MessageId::new(), content: "nobody".into() },
        ])
        .await
        .unwrap();
    assert_eq!(results.len(), 4);
    assert!(matches!(results[0], Ok(AnswerWritten::Partial)), "{:?}", results[0]);
    assert!(matches!(results[1], Err(StoreError::NotFound)), "{:?}", results[1]);
    match &results[2] {
        Ok(AnswerWritten::Finished(done)) => {
            assert_eq!(
                (done.id, done.content.as_str(), done.status),
                (finishing.id, "Done", MessageStatus::Complete)
            );
        }
        other => panic!("the finish after a missing row is still written: {other:?}"),
    }
    assert!(matches!(results[3], Err(StoreError::NotFound)), "{:?}", results[3]);
    let flushed = store.message(streaming.id).await.unwrap().unwrap();
    assert_eq!((flushed.content.as_str(), flushed.status), ("Hel", MessageStatus::Streaming));
    assert_eq!(
        spent_since(store.as_ref(), alice.id, before).await,
        UsageTotals { tokens: 7, cost: 7, token_budget: None, cost_budget: None },
        "only the usage of the answer that was stored counts"
    );
    assert!(store.write_answers(Vec::new()).await.unwrap().is_empty());
}

store_tests!(
    answer_writes_are_batched_and_fail_alone,
    answers_are_flushed_finished_and_interrupted,
    usage_is_recorded_and_summed,
    an_answer_finishes_with_its_usage_in_one_transaction
);
