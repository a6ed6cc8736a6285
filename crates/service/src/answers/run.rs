//! One answer, start to finish: create the row, build the context, stream from the provider to the
//! room, flush partial text, and store the final text, status and usage.

use super::{AnswerEngine, Job, Live, Model, Standing, StreamingAnswer, context};
use crate::error::ServiceError;
use crate::events::AnswerUsage;
use crate::writer::MessageWriter;
use chatbot_domain::{MessageId, MessageRole, MessageStatus};
use chatbot_llm::{ChatRequest, EventStream, FinishReason, LlmError, StreamEvent, Usage, stream_with_retry};
use chatbot_metrics::metrics;
use chatbot_store::{AnswerWrite, AnswerWritten, Message, NewMessage, NewUsage, PromptMessage};
use futures_util::StreamExt;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// Most history read to build a context; the budget usually keeps far fewer. Also the messages
/// per room that a server running alone keeps in memory for it (`chatbot_store::recent`).
pub const HISTORY_WINDOW: u32 = 200;

/// How an answer ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum End {
    Complete,
    /// Cut at the output limit: stored `complete`, with `error = "max_tokens"` as the marker.
    MaxTokens,
    Stopped,
    /// The server is shutting down and the grace period ran out: stored `interrupted`, with the
    /// text so far.
    Interrupted,
    /// A stable error code (`quota_exceeded`, `rate_limited`, `overloaded`, `upstream`, …).
    Failed(String),
}

struct Outcome {
    content: String,
    end: End,
    usage: Usage,
    ttft_ms: Option<i64>,
    /// What this answer holds of its requester's budget until its usage is recorded.
    reservation: Option<super::budget::Reservation>,
}

impl Outcome {
    /// Nothing streamed yet; `Complete` unless the stream says otherwise.
    fn complete() -> Self {
        Self::ended(End::Complete)
    }

    fn failed(code: &str) -> Self {
        Self::ended(End::Failed(code.to_owned()))
    }

    fn ended(end: End) -> Self {
        Self { content: String::new(), end, usage: Usage::default(), ttft_ms: None, reservation: None }
    }
}

impl AnswerEngine {
    pub(super) async fn answer(&self, mut job: Job) {
        if job.question.standing() == Standing::Gone {
            return; // its question was not stored: nothing to answer, nothing shown
        }
        // The requester's own slot first: an answer waiting for its user's earlier answers must
        // not hold (or queue for) one of the server's slots meanwhile, or one user asking in
        // many rooms would keep everyone else waiting.
        let waiting = metrics().llm_queue_depth().hold();
        let Ok(_user) = self.user_permits(job.requester).acquire_owned().await else { return };
        // Then the room's and the user's slots across instances, when there are several (before
        // a server slot: waiting for another instance's answer must not hold one of ours).
        let _lease = match &self.settings.shared {
            Some(shared) => {
                let ttl = (self.settings.flush_interval * 5).max(std::time::Duration::from_secs(3));
                let per_user = self.settings.per_user_concurrency;
                super::lease::take(shared, job.room.id, job.requester, per_user, ttl).await
            }
            None => None,
        };
        let Ok(_global) = self.global.clone().acquire_owned().await else { return };
        drop(waiting);
        let _streaming = metrics().llm_active_streams().hold();
        let model = self.models.for_room(job.room.model.as_deref()).clone();
        let started = Instant::now();
        let id = MessageId::new();
        let span = tracing::info_span!(
            "llm.answer",
            provider = model.info.provider,
            model = %model.info.id,
            room_id = %job.room.id,
            message_id = %id,
            ttft_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        // Fails only when no trace exporter is installed: then there is nothing to link.
        let _ = span.set_parent(job.origin.clone());
        async {
            let Some((row, outcome)) = self.generate(&mut job, &model, id).await else { return };
            if let Some(ttft) = outcome.ttft_ms {
                tracing::Span::current().record("ttft_ms", ttft);
            }
            self.close_answer(&job, &model, row, outcome, started, true).await;
        }
        .instrument(span)
        .await;
    }

    /// An answer that will not be generated (its room's queue, or its requester's, is full):
    /// it still appears in the room, failed with `code`, so everyone sees why there is none.
    pub(super) async fn refuse(&self, mut job: Job, code: &str) {
        if !job.question.take_landing().await {
            return; // its question was not stored: no answer to refuse
        }
        let model = self.models.for_room(job.room.model.as_deref()).clone();
        // Not the room's live answer: that one, if any, is still running.
        let Some((row, _stopped)) = self.open_answer(&job, &model, MessageId::new(), false).await else {
            return;
        };
        self.close_answer(&job, &model, row, Outcome::failed(code), Instant::now(), false).await;
    }

    /// Creates the answer's row (`streaming`), makes it the room's live answer (when `live`) and
    /// announces it.
    async fn open_answer(
        &self,
        job: &Job,
        model: &Model,
        id: MessageId,
        live: bool,
    ) -> Option<(Message, watch::Receiver<bool>)> {
        let room_id = job.room.id;
        let new = NewMessage {
            id,
            room_id,
            user_id: None,
            role: MessageRole::Assistant,
            content: String::new(),
            status: MessageStatus::Streaming,
            model: Some(model.info.id.clone()),
            reply_to: Some(job.question.id()),
            client_id: None,
        };
        let row = match self.writer.append(new).await {
            Ok(appended) => appended.into_message(),
            Err(err) => {
                tracing::error!(room_id = %room_id, error = %err, "could not create the answer row");
                return None;
            }
        };
        let (stop, stopped) = watch::channel(false);
        if live {
            let answer = StreamingAnswer { message_id: row.id, content: String::new(), next_index: 0 };
            self.set_live(room_id, Some(Live { answer, stop }));
        }
        self.events.answer_started(&row);
        Some((row, stopped))
    }

    /// Records what the answer spent, stores its final text and status, and announces the end.
    async fn close_answer(
        &self,
        job: &Job,
        model: &Model,
        row: Message,
        outcome: Outcome,
        started: Instant,
        live: bool,
    ) {
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (status, error) = match &outcome.end {
            End::Complete => (MessageStatus::Complete, None),
            End::MaxTokens => (MessageStatus::Complete, Some("max_tokens")),
            End::Stopped => (MessageStatus::Stopped, None),
            End::Interrupted => (MessageStatus::Interrupted, None),
            End::Failed(code) => (MessageStatus::Failed, Some(code.as_str())),
        };
        let cost = model.info.price.cost_microdollars(&outcome.usage);
        record_metrics(model, status, &outcome, cost, live.then(|| started.elapsed()));
        // The usage and the final text in one transaction: whoever sees the finished answer
        // sees what it cost, and a cost is never counted for an answer that was not stored.
        let spent = outcome.usage.input_tokens + outcome.usage.output_tokens > 0;
        let usage =
            spent.then(|| usage_row(job, model, row.id, outcome.usage, cost, outcome.ttft_ms, duration_ms));
        let end = AnswerWrite::Finish {
            id: row.id,
            content: outcome.content.clone(),
            status,
            error: error.map(str::to_owned),
            usage: usage.map(Box::new),
        };
        let stored = match self.writer.write_answer(end).await {
            Ok(AnswerWritten::Finished(message)) => Ok(*message),
            Ok(AnswerWritten::Partial) => {
                Err(ServiceError::Internal("an answer's end written as partial".into()))
            }
            Err(err) => Err(err),
        };
        // Recorded (or nothing to record, or lost with the answer): the estimate held for it is
        // no longer needed.
        drop(outcome.reservation);
        let finished = match stored {
            Ok(message) => message,
            Err(err) => {
                // The room still gets the final text; the row keeps its last flush and becomes
                // `interrupted` by the housekeeping sweep.
                tracing::error!(message_id = %row.id, error = %err, "could not store the finished answer");
                Message {
                    content: outcome.content.clone(),
                    status,
                    error: error.map(str::to_owned),
                    ..row.clone()
                }
            }
        };
        if live {
            self.set_live(job.room.id, None);
        }
        let usage = AnswerUsage {
            input_tokens: outcome.usage.input_tokens,
            output_tokens: outcome.usage.output_tokens,
            cache_read_tokens: outcome.usage.cache_read_tokens,
            cache_creation_tokens: outcome.usage.cache_creation_tokens,
            cost,
        };
        self.events.answer_finished(&finished, usage);
    }

    /// Creates the answer's row while the prompt is built (history, budget) and the request is
    /// sent: the row's write, which on a busy database waits behind every other write, overlaps
    /// both and the model's own time to first token (`chatbot-loadgen chat`,
    /// docs/decisions/024-answer-writes-batched.md). A question still being stored is waited
    /// for before the row is created, not before the request is sent (decision 033): the room
    /// sees the question, then the answer. The answer is announced before any of its text,
    /// which waits for the row. Returns the row and how the answer ended; `None` when the row
    /// was not created (the question was not stored, or the row's write failed): the request,
    /// if sent, is dropped and the upstream stops generating.
    ///
    /// From the moment the row exists it is written every flush interval, while the prompt is
    /// still being built too: under load (5,000 answers at once) building it took longer than
    /// the five intervals after which an unwritten `streaming` row is taken for abandoned.
    async fn generate(&self, job: &mut Job, model: &Model, id: MessageId) -> Option<(Message, Outcome)> {
        let arriving = match job.question.standing() {
            Standing::Gone => return None,
            standing => standing == Standing::Arriving,
        };
        let landing = job.question.take_landing();
        let job = &*job;
        let mut writes = PartialWrites::new(self.writer.clone(), id);
        // The first write is one interval away. Not `interval()` and its first tick awaited:
        // that tick, due at once, still waited for the timer driver's next turn, 0.8–2.2 ms
        // before the prompt was even built (a timestamped build, docs/benchmarks.md).
        let period = self.settings.flush_interval;
        let mut flush = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        let opening = async {
            if !landing.await {
                tracing::debug!(question = %job.question.id(), "question not stored: its answer is dropped");
                return None;
            }
            self.open_answer(job, model, id, true).await
        };
        let mut opening = std::pin::pin!(opening);
        let mut opened: Option<Option<(Message, watch::Receiver<bool>)>> = None;
        let preparing = self.prepare(job, model, arriving);
        let mut preparing = std::pin::pin!(preparing);
        let prepared = loop {
            tokio::select! {
                row = &mut opening, if opened.is_none() => opened = Some(row),
                prepared = &mut preparing => break prepared,
                _ = flush.tick(), if matches!(opened, Some(Some(_))) => writes.write(""),
            }
        };
        let (request, prompt_estimate, reservation) = match prepared {
            Ok(prepared) => prepared,
            Err(failed) => {
                let (row, _stopped) = match opened {
                    Some(row) => row?,
                    None => opening.await?,
                };
                writes.settle().await; // no partial text may land after the final one
                return Some((row, failed));
            }
        };
        let connecting = stream_with_retry(model.provider.as_ref(), request, &self.settings.retry);
        let mut connecting = std::pin::pin!(connecting);
        let mut early = None;
        let (row, mut stopped) = match opened {
            Some(row) => row?,
            None => loop {
                tokio::select! {
                    row = &mut opening => break row?,
                    stream = &mut connecting, if early.is_none() => early = Some(stream),
                }
            },
        };
        let outcome = Outcome { reservation, ..Outcome::complete() };
        let upstream = Upstream { early, connecting };
        let mut outcome =
            self.relay(job, model, upstream, (&mut writes, &mut flush), &mut stopped, outcome).await;
        writes.settle().await;
        estimate_missing_usage(&mut outcome.usage, prompt_estimate, &outcome.content);
        Some((row, outcome))
    }

    /// The request for an answer: the history that fits the model's budget, and the requester's
    /// budget held for its worst case. A failure is the answer's outcome. The history and the
    /// requester's spending are read side by side.
    ///
    /// A question still `arriving` (being committed) bounds no read yet: the newest history is
    /// read as it stands, cut after the question if its commit is already visible, else the
    /// question as sent is added at its end (every message committed before it has a lower
    /// `seq`). A message committed in the same instant as the question may be left out.
    async fn prepare(
        &self,
        job: &Job,
        model: &Model,
        arriving: bool,
    ) -> Result<(ChatRequest, u64, Option<super::budget::Reservation>), Outcome> {
        let before = (!arriving).then_some(job.question.message.seq + 1);
        let reading = self.store.prompt_history(job.room.id, before, HISTORY_WINDOW);
        let (history, spending) = tokio::join!(reading, self.budget.spending(job.requester));
        let mut history = history.map_err(|err| {
            tracing::error!(error = %err, "could not read the history for an answer");
            Outcome::failed("unavailable")
        })?;
        let totals = spending.map_err(Outcome::failed)?;
        if arriving {
            if job.question.is_retry_among(&history) {
                // The store will find it a duplicate: the answer is dropped before it asks.
                return Err(Outcome::failed("duplicate"));
            }
            match history.iter().position(|m| m.id == job.question.id()) {
                Some(at) => history.truncate(at + 1),
                None => history.push(PromptMessage::from(&job.question.message)),
            }
        }
        let max_tokens = self.settings.max_output_tokens.min(model.info.max_output_tokens);
        let budget = model.info.context_tokens.saturating_sub(max_tokens);
        let ctx = context::build(job.room.system_prompt.as_deref(), &history, budget);
        let prompt_estimate = u64::from(ctx.estimated_tokens());
        // The most this answer can spend: its prompt and its whole output allowance.
        let worst =
            Usage { input_tokens: prompt_estimate, output_tokens: u64::from(max_tokens), ..Usage::default() };
        let reservation = self
            .budget
            .reserve(
                job.requester,
                totals,
                worst.input_tokens + worst.output_tokens,
                model.info.price.cost_microdollars(&worst),
            )
            .await
            .map_err(Outcome::failed)?;
        let request = ChatRequest {
            model: model.info.id.clone(),
            system_cache_breakpoint: ctx.system.is_some(),
            system: ctx.system,
            messages: ctx.messages,
            max_tokens,
            user_id: Some(job.requester.to_string()),
        };
        Ok((request, prompt_estimate, reservation))
    }

    /// Streams the upstream's answer to the room until it ends, fails or is stopped; writes the
    /// text so far to the answer's row every flush interval.
    async fn relay<F>(
        &self,
        job: &Job,
        model: &Model,
        upstream: Upstream<'_, F>,
        (writes, flush): (&mut PartialWrites, &mut tokio::time::Interval),
        stopped: &mut watch::Receiver<bool>,
        mut outcome: Outcome,
    ) -> Outcome
    where
        F: std::future::Future<Output = Result<EventStream, LlmError>>,
    {
        let answer_id = writes.row;
        let started = Instant::now();
        // Every flush interval the row is written, new text or not: a row nobody writes for
        // several intervals is taken for abandoned (its instance died) and marked interrupted.
        let Upstream { early, mut connecting } = upstream;
        let stream = match early {
            Some(stream) => stream,
            None => loop {
                tokio::select! {
                    stream = &mut connecting => break stream,
                    _ = stopped.changed() => {
                        outcome.end = self.stop_reason();
                        return outcome;
                    }
                    _ = flush.tick() => writes.write(&outcome.content),
                }
            },
        };
        let mut stream = match stream {
            Ok(stream) => stream,
            Err(err) => {
                tracing::warn!(provider = model.provider.name(), error = %err, "answer failed before streaming");
                outcome.end = End::Failed(err.code().into());
                return outcome;
            }
        };
        let mut finished = false;
        loop {
            tokio::select! {
                biased;
                _ = stopped.changed() => {
                    // Dropping the stream closes the upstream request: generation stops there too.
                    outcome.end = self.stop_reason();
                    break;
                }
                _ = flush.tick() => writes.write(&outcome.content),
                item = stream.next() => match item {
                    Some(Ok(StreamEvent::Text(text))) => {
                        if outcome.ttft_ms.is_none() {
                            outcome.ttft_ms = Some(i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX));
                        }
                        outcome.content.push_str(&text);
                        let index = self.push_chunk(job.room.id, &text);
                        self.events.answer_chunk(job.room.id, answer_id, index, &text);
                    }
                    Some(Ok(StreamEvent::Usage(usage))) => outcome.usage = usage,
                    Some(Ok(StreamEvent::Finished(reason))) => {
                        outcome.end = match reason {
                            FinishReason::MaxTokens => End::MaxTokens,
                            FinishReason::Stop | FinishReason::Other(_) => End::Complete,
                        };
                        finished = true;
                    }
                    Some(Err(err)) => {
                        tracing::warn!(provider = model.provider.name(), error = %err, "answer failed while streaming");
                        // The upstream's own error type is the most useful code (`overloaded_error`).
                        let code = match &err {
                            LlmError::Upstream { kind, .. } => kind.clone(),
                            other => other.code().to_owned(),
                        };
                        outcome.end = End::Failed(code);
                        break;
                    }
                    None => {
                        if !finished {
                            outcome.end = End::Failed("incomplete".into());
                        }
                        break;
                    }
                },
            }
        }
        outcome
    }

    /// Why a stop signal came: a member's `stop`, or the end of the shutdown grace period.
    fn stop_reason(&self) -> End {
        if self.closing.load(std::sync::atomic::Ordering::Acquire) { End::Interrupted } else { End::Stopped }
    }
}

/// The streaming answer's text so far, written to its row beside the stream. Awaiting each write
/// in the streaming loop stalled the answer's chunks for as long as the database took: with
/// 5,000 answers streaming on SQLite, up to a second per flush (`chatbot-loadgen chat`). At most
/// one write per answer is in flight (a tick while one is still running is skipped: the row is
/// being written, which is what keeps it from looking abandoned), and [`Self::settle`] waits for
/// it before the final write, so a partial text never lands after the final one. The writes go
/// through the message writer, batched with every other answer's (one transaction per batch).
struct PartialWrites {
    writer: MessageWriter,
    row: MessageId,
    in_flight: Option<tokio::task::JoinHandle<()>>,
}

impl PartialWrites {
    fn new(writer: MessageWriter, row: MessageId) -> Self {
        Self { writer, row, in_flight: None }
    }

    /// Writes `content` (and so the row's `updated_at`: the sign of a live writer).
    fn write(&mut self, content: &str) {
        if self.in_flight.as_ref().is_some_and(|w| !w.is_finished()) {
            return;
        }
        let (writer, id, content) = (self.writer.clone(), self.row, content.to_owned());
        self.in_flight = Some(tokio::spawn(async move {
            if let Err(err) = writer.write_answer(AnswerWrite::Partial { id, content }).await {
                tracing::warn!(error = %err, "could not flush partial answer");
            }
        }));
    }

    /// Waits for the write in flight, if any.
    async fn settle(&mut self) {
        if let Some(write) = self.in_flight.take() {
            let _ = write.await;
        }
    }
}

/// The upstream request of an answer: its stream, when it came while the row was being
/// created, else the request still in flight.
struct Upstream<'a, F> {
    early: Option<Result<EventStream, LlmError>>,
    connecting: std::pin::Pin<&'a mut F>,
}

/// The `token_usage` row of a finished answer.
fn usage_row(
    job: &Job,
    model: &Model,
    answer: MessageId,
    usage: Usage,
    cost: u64,
    ttft_ms: Option<i64>,
    duration_ms: i64,
) -> NewUsage {
    let to_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    NewUsage {
        id: uuid::Uuid::now_v7(),
        message_id: Some(answer),
        user_id: Some(job.requester),
        room_id: Some(job.room.id),
        provider: model.provider.name().to_owned(),
        model: model.info.id.clone(),
        input_tokens: to_i64(usage.input_tokens),
        output_tokens: to_i64(usage.output_tokens),
        cache_creation_tokens: to_i64(usage.cache_creation_tokens),
        cache_read_tokens: to_i64(usage.cache_read_tokens),
        cost: to_i64(cost),
        ttft_ms,
        duration_ms: Some(duration_ms),
    }
}

/// Fills in what a stream that was stopped, cut or failed did not report: the prompt (as the
/// context builder estimated it) and the text streamed so far (about four bytes a token), marked
/// as estimated. A stopped answer was still paid for upstream, up to where it stopped.
fn estimate_missing_usage(usage: &mut Usage, prompt_estimate: u64, streamed: &str) {
    if usage.output_tokens == 0 && !streamed.is_empty() {
        usage.output_tokens = (streamed.len() as u64).div_ceil(4);
        usage.estimated = true;
    }
    if usage.input_tokens == 0 && usage.cache_read_tokens == 0 && usage.output_tokens > 0 {
        usage.input_tokens = prompt_estimate;
        usage.estimated = true;
    }
}

/// The answer's part of `chatbot_llm_*`: every answer counts by how it ended (refused ones as
/// `failed`); time to first token and duration only for answers that were generated.
fn record_metrics(
    model: &Model,
    status: MessageStatus,
    outcome: &Outcome,
    cost: u64,
    took: Option<Duration>,
) {
    let series = metrics().llm(model.info.provider, &model.info.id);
    series.finished(status.as_str());
    let usage = &outcome.usage;
    series.tokens("input", usage.input_tokens);
    series.tokens("output", usage.output_tokens);
    series.tokens("cache_write", usage.cache_creation_tokens);
    series.tokens("cache_read", usage.cache_read_tokens);
    series.cost_microdollars(cost);
    if let Some(took) = took {
        series.stream_duration(took);
        if let Some(ttft) = outcome.ttft_ms.and_then(|ms| u64::try_from(ms).ok()) {
            series.time_to_first_token(Duration::from_millis(ttft));
        }
    }
    tracing::Span::current().record("outcome", status.as_str());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_usage_is_estimated_from_the_prompt_and_the_text() {
        let mut usage = Usage::default();
        estimate_missing_usage(&mut usage, 40, "12345678");
        assert_eq!(usage, Usage { input_tokens: 40, output_tokens: 2, estimated: true, ..Usage::default() });
        let reported = Usage { input_tokens: 10, output_tokens: 3, ..Usage::default() };
        let mut kept = reported;
        estimate_missing_usage(&mut kept, 40, "12345678");
        assert_eq!(kept, reported, "what the upstream reported stands");
        let mut nothing = Usage::default();
        estimate_missing_usage(&mut nothing, 40, "");
        assert_eq!(nothing, Usage::default(), "nothing streamed, nothing to estimate");
    }
}
