// Assembly of streaming answers from `stream` chunks (pure, no I/O).
//
// Chunks carry `index` 0, 1, 2, … per answer. Text is only ever appended in index order:
// a chunk below `nextIndex` is a duplicate (or is already in a join snapshot) and is ignored;
// a chunk above it is buffered until the gap is filled. The `end` event's `content` is
// authoritative (it is exactly the concatenation of every chunk).

export interface StreamState {
  messageId: string;
  roomId: string;
  /** Text of chunks 0..nextIndex, in order, with no gap. */
  content: string;
  nextIndex: number;
  /** Chunks that arrived ahead of a gap, by index. */
  pending: Record<number, string>;
  model: string | null;
  replyTo: string | null;
  done: boolean;
  status: string;
  error: string | null;
}

export type Streams = Record<string, StreamState>;

function empty(roomId: string, messageId: string): StreamState {
  return {
    messageId,
    roomId,
    content: "",
    nextIndex: 0,
    pending: {},
    model: null,
    replyTo: null,
    done: false,
    status: "streaming",
    error: null,
  };
}

/** Appends buffered chunks that now follow without a gap. */
function drain(s: StreamState): StreamState {
  let { content, nextIndex } = s;
  const pending = { ...s.pending };
  while (pending[nextIndex] !== undefined) {
    content += pending[nextIndex];
    delete pending[nextIndex];
    nextIndex += 1;
  }
  for (const k of Object.keys(pending)) if (Number(k) < nextIndex) delete pending[Number(k)];
  return { ...s, content, nextIndex, pending };
}

/** `stream {start: true}`. Keeps any chunks that raced ahead of it. */
export function startStream(
  streams: Streams,
  ev: { roomId: string; messageId: string; model?: string | null; replyTo?: string | null },
): Streams {
  const prev = streams[ev.messageId] ?? empty(ev.roomId, ev.messageId);
  return {
    ...streams,
    [ev.messageId]: { ...prev, model: ev.model ?? prev.model, replyTo: ev.replyTo ?? prev.replyTo },
  };
}

/** `stream {token, index}`. */
export function applyChunk(
  streams: Streams,
  ev: { roomId: string; messageId: string; token: string; index: number },
): Streams {
  const prev = streams[ev.messageId] ?? empty(ev.roomId, ev.messageId);
  if (prev.done || ev.index < prev.nextIndex || prev.pending[ev.index] !== undefined) return streams;
  const next =
    ev.index === prev.nextIndex
      ? drain({ ...prev, content: prev.content + ev.token, nextIndex: prev.nextIndex + 1 })
      : { ...prev, pending: { ...prev.pending, [ev.index]: ev.token } };
  return { ...streams, [ev.messageId]: next };
}

/** A join ack's `streaming` entry: the text of chunks 0..nextIndex. Chunks buffered before the
 *  snapshot arrived are kept when they follow it; anything the snapshot already covers is dropped.
 *  If live chunks already took the stream further than the snapshot, the live state wins. */
export function applySnapshot(
  streams: Streams,
  roomId: string,
  snap: { messageId: string; content: string; nextIndex: number },
): Streams {
  const prev = streams[snap.messageId] ?? empty(roomId, snap.messageId);
  if (prev.done || prev.nextIndex >= snap.nextIndex) return streams;
  return {
    ...streams,
    [snap.messageId]: drain({ ...prev, content: snap.content, nextIndex: snap.nextIndex }),
  };
}

/** `stream {end: true, status, content, error?}`. */
export function endStream(
  streams: Streams,
  ev: { roomId: string; messageId: string; status?: string; content?: string; error?: string | null },
): Streams {
  const prev = streams[ev.messageId] ?? empty(ev.roomId, ev.messageId);
  return {
    ...streams,
    [ev.messageId]: {
      ...prev,
      content: ev.content ?? prev.content,
      pending: {},
      done: true,
      status: ev.status ?? "complete",
      error: ev.error ?? null,
    },
  };
}

/** Forgets a stream (its final `message` has arrived). */
export function dropStream(streams: Streams, messageId: string): Streams {
  if (!(messageId in streams)) return streams;
  const next = { ...streams };
  delete next[messageId];
  return next;
}

export function roomStreams(streams: Streams, roomId: string): StreamState[] {
  return Object.values(streams).filter((s) => s.roomId === roomId);
}
