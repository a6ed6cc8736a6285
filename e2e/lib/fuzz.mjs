// Raw Engine.IO v4 / Socket.IO v5 over WebSocket, and the fast-check generators of
// tests/fuzz.test.mjs. socket.io-client cannot send a malformed frame, so the fuzzer speaks the
// wire format itself (`ws`, the WebSocket library socket.io-client already uses):
//
//   server → `0{"sid":…,"pingInterval":…}`                      Engine.IO open
//   client → `40/chat,{"token":"…"}`                             Socket.IO CONNECT to /chat
//   server → `40/chat,{"sid":…}` then `42/chat,["connected",{…}]`
//   client → `42/chat,<ackId>["event",payload]`                  EVENT with an ack id
//   server → `43/chat,<ackId>[{ok:true|false,…}]`                ACK
//   server → `2` (ping)  client → `3` (pong), or the server closes the socket
//
// Every RawSocket keeps the last frames it sent and received, so a failure shows exactly what
// went over the wire just before it.

import fc from 'fast-check';
import http from 'node:http';
import WebSocket from 'ws';

const HISTORY = 40;

/** A frame for an error message: text as JSON (escapes visible), binary as hex, cut short. */
export function showFrame(frame, max = 300) {
  if (typeof frame === 'string') {
    const text = JSON.stringify(frame.length > max ? frame.slice(0, max) : frame);
    return text.length > max ? `${text.slice(0, max)}…(${frame.length} chars)` : text;
  }
  const buf = Buffer.from(frame.data ?? frame);
  const kind = frame.text ? 'text-bytes' : 'binary';
  const hex = buf.subarray(0, max / 2).toString('hex');
  return `<${kind} ${buf.length} bytes: ${hex}${buf.length > max / 2 ? '…' : ''}>`;
}

/**
 * One raw WebSocket to /socket.io/. `open()` resolves after the Engine.IO open packet, and, with
 * a token, after the /chat CONNECT was accepted and `connected` arrived.
 */
export class RawSocket {
  constructor(base, name) {
    this.name = name;
    this.url = `${base.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    this.sent = []; // last frames sent
    this.got = []; // last frames received
    this.acks = new Map(); // ack id (string) → [resolve, …] (ids may repeat: first come, first served)
    this.frameWaiters = []; // {prefix, resolve}
    this.closed = null; // {code, reason, byUs} once closed
  }

  log(list, entry) {
    list.push(entry);
    if (list.length > HISTORY) list.shift();
  }

  /** Opens the transport; with `token`, also joins /chat (namespace `ns`). */
  open(token, ns = '/chat', timeoutMs = 10_000) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
      this.ws = ws;
      let stage = 'engine.io open';
      const timer = setTimeout(() => {
        fail(new Error(`${this.name}: no ${stage} within ${timeoutMs}ms\n${this.describe()}`));
      }, timeoutMs);
      const fail = (err) => {
        clearTimeout(timer);
        this.onStage = null;
        try { ws.terminate(); } catch { /* already gone */ }
        reject(err);
      };
      this.onStage = (frame) => {
        if (stage === 'engine.io open' && frame.startsWith('0')) {
          if (!token) {
            clearTimeout(timer);
            this.onStage = null;
            resolve(this);
            return;
          }
          stage = `${ns} CONNECT ack`;
          this.sendRaw(`40${ns},${JSON.stringify({ token })}`);
        } else if (stage.endsWith('CONNECT ack') && frame.startsWith(`40${ns},`)) {
          stage = '`connected` event';
        } else if (stage.endsWith('CONNECT ack') && frame.startsWith(`44${ns},`)) {
          fail(new Error(`${this.name}: CONNECT refused: ${frame}`));
        } else if (stage === '`connected` event' && frame.startsWith(`42${ns},["connected"`)) {
          clearTimeout(timer);
          this.onStage = null;
          resolve(this);
        }
      };
      ws.on('message', (data, isBinary) => this.receive(data, isBinary));
      ws.on('error', (err) => {
        if (this.onStage) fail(new Error(`${this.name}: ${err.message} during ${stage}\n${this.describe()}`));
      });
      ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString(), byUs: !!this.closing };
        this.log(this.got, `(closed: ${code} ${reason})`);
        if (this.onStage) fail(new Error(`${this.name}: closed during ${stage}: ${code} ${reason}\n${this.describe()}`));
        for (const [, waiters] of this.acks) for (const resolve of waiters) resolve(null);
        for (const { resolve } of this.frameWaiters) resolve(null);
        this.frameWaiters = [];
        this.acks.clear();
      });
    });
  }

  receive(data, isBinary) {
    if (isBinary) {
      this.log(this.got, showFrame(data));
      return;
    }
    const frame = data.toString('utf8');
    this.log(this.got, frame.length > 400 ? `${frame.slice(0, 400)}…(${frame.length} chars)` : frame);
    if (frame === '2') {
      this.sendRaw('3');
      return;
    }
    if (this.onStage) {
      this.onStage(frame);
      return;
    }
    if (this.frameWaiters.length) {
      const i = this.frameWaiters.findIndex((w) => frame.startsWith(w.prefix));
      if (i >= 0) this.frameWaiters.splice(i, 1)[0].resolve(frame);
    }
    // An ack: `43<ns>,<id>[…]`. Ack ids are compared as text (the fuzzer sends ids beyond 2^53).
    const m = /^43(\/[^,]*,)?(\d+)(\[[\s\S]*)$/.exec(frame);
    if (m) {
      const waiters = this.acks.get(m[2]);
      if (waiters) {
        const resolve = waiters.shift();
        if (waiters.length === 0) this.acks.delete(m[2]);
        let body;
        try {
          body = JSON.parse(m[3]);
        } catch {
          body = { unparsable: m[3] };
        }
        resolve({ frame, body });
      }
    }
  }

  /** Sends a text frame, or `{data: Buffer, text: bool}` as raw bytes in a text or binary frame. */
  sendRaw(frame) {
    this.log(this.sent, showFrame(frame, 400));
    if (typeof frame === 'string') this.ws.send(frame);
    else this.ws.send(frame.data, { binary: !frame.text });
  }

  /** Resolves with {frame, body} when the ack `id` arrives, null if the socket closes first. */
  expectAck(id) {
    return new Promise((resolve) => {
      if (this.closed) {
        resolve(null);
        return;
      }
      const key = String(id);
      if (!this.acks.has(key)) this.acks.set(key, []);
      this.acks.get(key).push(resolve);
    });
  }

  /** Resolves with the next frame starting with `prefix`, null if the socket closes first. */
  expectFrame(prefix) {
    return new Promise((resolve) => {
      if (this.closed) resolve(null);
      else this.frameWaiters.push({ prefix, resolve });
    });
  }

  close() {
    this.closing = true;
    try { this.ws?.terminate(); } catch { /* already gone */ }
  }

  describe() {
    return `  ${this.name}: last ${this.sent.length} frame(s) sent:\n` +
      this.sent.map((f) => `    → ${f}`).join('\n') +
      `\n  last ${this.got.length} frame(s) received:\n` +
      this.got.map((f) => `    ← ${f}`).join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// Generators. Everything random comes from fast-check with a seed, so a run can be replayed.

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates become U+FFFD, unlike encodeURIComponent). */
export const encodeSegment = (s) => [...Buffer.from(s, 'utf8')]
  .map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
  .join('');

/** The value of `arb` for (seed, ...path): the same inputs always give the same frames. */
export function draw(arb, seed, ...path) {
  let h = seed >>> 0;
  for (const p of path) h = (Math.imul(h ^ (p >>> 0), 0x9e3779b1) + 0x7f4a7c15) >>> 0;
  return fc.sample(arb, { seed: h | 0, numRuns: 1 })[0];
}

const CLIENT_EVENTS = ['join', 'leave', 'send', 'typing', 'sync_read', 'getRooms', 'stop', 'regenerate'];
const FIELDS = ['roomId', 'content', 'text', 'clientId', 'since', 'isTyping', 'seq', 'messageId'];

/** Strings that tend to break parsers: escapes, separators, numbers, control characters. */
const nastyString = fc.oneof(
  fc.constantFrom('', ' ', '"', '\\', '\\u0000', '\u0000', '\ud800', '\udfff', '\uffff', '💥', 'é',
    ',', '[', ']', '{', '}', '/', '/chat', '/nope', '-', '_placeholder', 'general', 'null', 'NaN',
    '-0', '1e309', '9223372036854775808', '-9223372036854775809', '00000000-0000-0000-0000-000000000000',
    'constructor', '__proto__', '<script>', '%00', '\r\n', 'A'.repeat(300)),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.uuid(),
);

/** Numbers beyond every integer type the server might use, and the JSON-representable odd ones. */
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, 2 ** 63, -(2 ** 63),
    2 ** 64, 1e308, -1e308, 5e-324, 0.5, Number.MAX_SAFE_INTEGER + 2),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Numbers as raw JSON text, including what JS cannot represent (1e400, 20-digit integers). */
const rawNumberText = fc.oneof(
  fc.constantFrom('1e400', '-1e400', '99999999999999999999999999', '-99999999999999999999',
    '9223372036854775807', '9223372036854775808', '18446744073709551616', '0.0000000000000000000001',
    '1E+2', '-0', '0e0', '123456789012345678901234567890.5'),
  nastyNumber.map((n) => JSON.stringify(n)),
);

/**
 * Whether JSON writes `s` without an escape. socketioxide 0.18 reads the event name as a borrowed
 * `&str`, which serde_json cannot do for a string with an escape (`"a\\"b"`, `"\\u0000"`); our
 * patched parser (vendor/socketioxide-parser-common) reads such a name as an unknown event, so the
 * hostile-payload sockets send them too and must stay connected.
 */
const plainJsonString = (s) => JSON.stringify(s) === `"${s}"`;

/** A JSON value nested `depth` deep (arrays or objects). */
function nested(depth, leaf, kind) {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

/** Any JSON value with an edge: wrong types, deep nesting, long strings. */
const hostileValue = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 3, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 50 }), fc.constantFrom('array', 'object'), nastyNumber)
    .map(([d, kind, leaf]) => nested(d, leaf, kind)) },
  // long strings, up to ~100 KB of JSON (escaped `\\` and `"` double); mostly short, since the
  // server reads them several times (event name, payload, the error it echoes)
  { weight: 1, arbitrary: fc.tuple(fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 2_000 }) },
    { weight: 3, arbitrary: fc.integer({ min: 2_000, max: 20_000 }) },
    { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 100_000 }) },
  ), fc.constantFrom('x', 'é', '💥', '\\', '"'))
    .map(([n, c]) => c.repeat(Math.ceil(n / c.length / 2))) },
);

/** Valid payload pieces, given the scene: ids the server knows, ids it does not. */
function sceneArbs(scene) {
  const roomId = fc.oneof(
    { weight: 6, arbitrary: fc.constant(scene.roomId) },
    { weight: 2, arbitrary: fc.constant('general') },
    { weight: 1, arbitrary: fc.constant(scene.foreignRoomId) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const messageId = fc.oneof(
    fc.constant(null).map(() => scene.messageIds[scene.messageIds.length - 1] ?? '00000000-0000-4000-8000-000000000000'),
    fc.uuid(),
    fc.string({ maxLength: 12 }),
  );
  const content = fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
    // Around the 16 KiB content limit (too_large beyond it).
    { weight: 1, arbitrary: fc.integer({ min: 16_000, max: 17_000 }).map((n) => 'y'.repeat(n)) },
  );
  const clientId = fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 80 })), { nil: undefined });
  const seq = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(-1, 2 ** 53 - 1, -(2 ** 53) + 1));
  // Mostly at or past the head: a join from far behind returns a whole page of history, which is
  // what costs a debug server ~15 ms (against ~1 ms for a send), so it is one join in five.
  const since = fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 1_000_000, max: 2 ** 53 - 1 }) },
    { weight: 1, arbitrary: fc.option(seq, { nil: undefined, freq: 2 }) },
  );
  return { roomId, messageId, content, clientId, seq, since };
}

/** [event, payload] of every client event, well typed (ids may name nothing: not_found is fine). */
export function validEvent(scene) {
  const s = sceneArbs(scene);
  const strip = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return fc.oneof(
    { weight: 2, arbitrary: fc.record({ roomId: s.roomId, since: s.since })
      .map((p) => ['join', strip(p)]) },
    { weight: 1, arbitrary: fc.record({ roomId: s.roomId }).map((p) => ['leave', p]) },
    { weight: 6, arbitrary: fc.record({
      // never `general`: its answers (aiMode always) would pile up
      roomId: fc.oneof({ weight: 9, arbitrary: fc.constant(scene.roomId) },
        { weight: 1, arbitrary: fc.oneof(fc.constant(scene.foreignRoomId), fc.uuid(), fc.string({ maxLength: 12 })) }),
      content: s.content,
      clientId: s.clientId,
      original: fc.boolean(), // the original client sends `text` instead of `content`
    }).map(({ original, content, ...p }) => ['send', strip(original ? { ...p, text: content } : { ...p, content })]) },
    { weight: 2, arbitrary: fc.record({ roomId: s.roomId, isTyping: fc.boolean() }).map((p) => ['typing', p]) },
    { weight: 2, arbitrary: fc.oneof(
      fc.record({ roomId: s.roomId, seq: s.seq }),
      fc.record({ roomId: s.roomId, messageId: s.messageId }),
    ).map((p) => ['sync_read', p]) },
    { weight: 1, arbitrary: fc.constantFrom({}, null, undefined).map((p) => ['getRooms', p]) },
    { weight: 1, arbitrary: fc.record({ roomId: s.roomId, messageId: s.messageId }).map((p) => ['stop', p]) },
    { weight: 1, arbitrary: fc.record({ roomId: s.roomId, messageId: s.messageId }).map((p) => ['regenerate', p]) },
  );
}

/** A Socket.IO EVENT frame on /chat with an ack id. */
export function eventFrame(event, payload, ackId, ns = '/chat') {
  const args = payload === undefined ? [event] : [event, payload];
  return `42${ns},${ackId ?? ''}${JSON.stringify(args)}`;
}

/**
 * Payloads a well-behaved parser must refuse with bad_request (or accept): every field of every
 * event with the wrong type, extra fields, non-object payloads, unknown event names.
 */
function mistypedEvent(scene) {
  return fc.oneof(
    // a valid payload with one field replaced by a hostile value (or added)
    { weight: 4, arbitrary: fc.tuple(validEvent(scene), fc.constantFrom(...FIELDS), hostileValue)
      .map(([[event, payload], field, value]) => [event, { ...(payload ?? {}), [field]: value }]) },
    // the whole payload replaced
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...CLIENT_EVENTS), hostileValue) },
    // unknown event names (strings, escaped ones too: the contract answers bad_request, or
    // nothing without an ack). Not lone surrogates: `"\ud800"` is not Unicode text (RFC 8259
    // leaves it undefined), and a name the server cannot read as text is a risky frame.
    { weight: 2, arbitrary: fc.tuple(
      fc.oneof(nastyString.filter((s) => s.isWellFormed()), fc.constantFrom('back\\slash', 'join\n', '"', 'Send', 'JOIN', 'send ', 'message', 'exception',
        'error', 'connect', 'disconnect', 'disconnecting', 'newListener', 'connected', 'ping', '')),
      hostileValue) },
    // extra arguments after the payload
    { weight: 1, arbitrary: fc.tuple(validEvent(scene), fc.array(hostileValue, { maxLength: 4 }))
      .map(([[event, payload], extra]) => [event, payload ?? {}, ...extra]) },
  );
}

/**
 * "Safe" frames: well-formed Socket.IO EVENT packets on /chat (with or without an ack id) whose
 * payloads are hostile. The contract (docs/realtime.md) answers each with an ack or an
 * `exception` and never drops the connection, so the fuzzer checks exactly that on them.
 * Returns {frame, ackId?}.
 */
export function safeFrame(scene) {
  return fc.tuple(mistypedEvent(scene), fc.boolean(), fc.integer({ min: 0, max: 999_999 }))
    .map(([[event, ...args], withAck, id]) => {
      const ackId = withAck ? id : undefined;
      return { frame: `42/chat,${ackId ?? ''}${JSON.stringify([event, ...args])}`, ackId };
    });
}

/** Random character edits of a text frame (flip, delete, insert, duplicate, truncate). */
function mutateText(text, edits) {
  let t = text;
  for (const [op, at, ch] of edits) {
    const i = t.length === 0 ? 0 : at % (t.length + 1);
    switch (op) {
      case 0: t = t.slice(0, i) + ch + t.slice(i + 1); break; // replace
      case 1: t = t.slice(0, i) + t.slice(i + 1); break; // delete
      case 2: t = t.slice(0, i) + ch + t.slice(i); break; // insert
      case 3: t = t.slice(0, i) + t.slice(i, i + 8) + t.slice(i); break; // duplicate a span
      default: t = t.slice(0, i); // truncate
    }
  }
  return t;
}

const editChar = fc.oneof(
  fc.constantFrom('"', '[', ']', '{', '}', ',', '/', '-', '0', '1', '4', '5', '9', '\\', ' ', '\u0000', '\ud800', 'é', '💥'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

/** A well-formed frame to start a mutation from. */
function templateFrame(scene) {
  return fc.tuple(validEvent(scene), fc.integer({ min: 0, max: 999_999 }))
    .map(([[event, payload], id]) => eventFrame(event, payload, id));
}

/**
 * "Risky" frames: anything at all. The server may close the socket on these (socket.io semantics
 * for a packet it cannot parse), but must not crash, hang or affect other sockets.
 * Returns {frame, kind} where frame is a string, {data, text} (raw bytes), or an array of those
 * sent one after the other (a binary event and its attachments).
 */
export function riskyFrame(scene) {
  const tag = (kind) => (frame) => ({ frame, kind });
  return fc.oneof(
    // (a) pure garbage
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(tag('garbage text')) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '4', '40', '42', '43', '45', '46', '47', '49', '4-', '5', '6', '1',
      '2', '3', '2probe', '3probe', '0', '7', '99', '\u0000', '4\u0000', '{}', '[]', 'null').map(tag('short text')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => ({ data: Buffer.from(a), text: false })).map(tag('binary')) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => ({ data: Buffer.from(a), text: true }))
      .map(tag('invalid utf-8 text')) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 9 }), rawNumberText, fc.string({ maxLength: 30 }))
      .map(([e, s, n, rest]) => `${e}${s}/chat,${n}${rest}`).map(tag('numbered junk')) },
    // (b) mutations of valid frames
    { weight: 6, arbitrary: fc.tuple(templateFrame(scene), fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }),
      fc.nat(), editChar), { minLength: 1, maxLength: 4 })).map(([t, edits]) => mutateText(t, edits)).map(tag('mutated')) },
    // wrong namespaces, with and without ack ids
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('/nope', '/', '', '/chat/', '/CHAT', '/api/chat', '/chat?x=1', '/\u00e9', '//chat'),
      validEvent(scene), fc.option(fc.nat(), { nil: undefined }))
      .map(([ns, [event, payload], id]) => `42${ns}${ns ? ',' : ''}${id ?? ''}${JSON.stringify([event, payload ?? {}])}`)
      .map(tag('wrong namespace')) },
    // BINARY_EVENT / BINARY_ACK headers with placeholders and no attachment (or a bad count)
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('5', '6'), fc.oneof(fc.integer({ min: 0, max: 3 }).map(String),
      fc.constantFrom('', '99999999999999999999', '-1', 'x')), fc.option(fc.nat(), { nil: undefined }), validEvent(scene),
    fc.integer({ min: -2, max: 3 }))
      .map(([type, count, id, [event], num]) => `4${type}${count}-/chat,${id ?? ''}` +
        JSON.stringify([event, { roomId: { _placeholder: true, num }, content: 'x' }]))
      .map(tag('binary header')) },
    // BINARY_EVENT with its attachments (a frame sequence): as many as announced, or one short or over
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -1, max: 1 }), fc.nat(), validEvent(scene),
      fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 4, maxLength: 4 }))
      .map(([n, off, id, [event, payload], blobs]) => [
        `45${n}-/chat,${id}${JSON.stringify([event, { ...(payload ?? {}),
          ...Object.fromEntries(Array.from({ length: n }, (_, i) => [i ? `b${i}` : 'roomId', { _placeholder: true, num: i }])) }])}`,
        ...blobs.slice(0, n + off).map((a) => ({ data: Buffer.from(a), text: false })),
      ]).map(tag('binary event with attachments')) },
    // ack ids that do not fit an integer, acks for nothing
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('2', '3'), rawNumberText, validEvent(scene))
      .map(([type, id, [event, payload]]) => `4${type}/chat,${id.replace(/[^0-9]/g, '') || '0'}${JSON.stringify([event, payload ?? {}])}`)
      .map(tag('odd ack id')) },
    // event names with a JSON escape (see plainJsonString), some spelling a real event
    { weight: 1, arbitrary: fc.tuple(fc.oneof(nastyString.filter((n) => !plainJsonString(n)).map((n) => JSON.stringify(n)),
      fc.constantFrom('"se\\u006ed"', '"join\\n"', '"get\\/Rooms"', '"\\""')), validEvent(scene), fc.nat())
      .map(([name, [, payload], id]) => `42/chat,${id}[${name},${JSON.stringify(payload ?? {})}]`)
      .map(tag('escaped event name')) },
    // event names that are not strings; payloads that are not arrays
    { weight: 1, arbitrary: fc.tuple(fc.oneof(hostileValue, fc.constant(undefined)), fc.option(fc.nat(), { nil: undefined }))
      .map(([v, id]) => `42/chat,${id ?? ''}${v === undefined ? '' : JSON.stringify(Array.isArray(v) ? v : [v])}`)
      .map(tag('bad event array')) },
    { weight: 1, arbitrary: fc.tuple(fc.option(fc.nat(), { nil: undefined }), fc.jsonValue({ maxDepth: 2 }))
      .map(([id, v]) => `42/chat,${id ?? ''}${JSON.stringify(v)}`).map(tag('not an array')) },
    // CONNECT / DISCONNECT again, with odd auth
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('40', '41', '44'), fc.constantFrom('/chat', '/nope', '/api/chat', ''),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.string({ maxLength: 20 })))
      .map(([t, ns, auth]) => `${t}${ns}${ns ? ',' : ''}${auth}`).map(tag('connect again')) },
    // raw numbers where JSON values go
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...CLIENT_EVENTS), fc.constantFrom(...FIELDS), rawNumberText, fc.nat())
      .map(([event, field, n, id]) => `42/chat,${id}["${event}",{"${field}":${n},"roomId":"${scene.roomId}"}]`)
      .map(tag('raw number')) },
    // deep nesting beyond serde_json's recursion limit (128), still far below 1 MiB
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 100, max: 20_000 }), fc.constantFrom('[', '{"a":'), fc.boolean())
      .map(([d, open, closeIt]) => {
        const close = open === '[' ? ']' : '}';
        return `42/chat,1["send",${open.repeat(d)}1${closeIt ? close.repeat(d) : ''}]`;
      }).map(tag('deep nesting')) },
  );
}

// ---------------------------------------------------------------------------------------------
// REST

/**
 * One HTTP/1.1 request on a connection of its own (`Connection: close`), with the path sent
 * exactly as given (no normalisation of `..`, no escaping). Resolves {status, headers, text};
 * rejects if the server drops the connection before a whole response, or after `timeoutMs`.
 */
export function httpRequest(base, { method, path, headers, body }, timeoutMs) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A REST request: {method, path, headers, body (string or Buffer or undefined), auth}. `auth`
 * says which token to attach ('user', 'none', 'garbage'), resolved by the test.
 */
export function restRequest(scene) {
  const id = fc.oneof(
    { weight: 4, arbitrary: fc.constant(scene.restRoomId) },
    { weight: 1, arbitrary: fc.constant('general') },
    { weight: 1, arbitrary: fc.constant(scene.roomId) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: nastyString.map(encodeSegment) },
    { weight: 1, arbitrary: rawNumberText },
  );
  const endpoint = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ method: 'POST', path: () => '/api/auth/register', shape: 'register' }) },
    { weight: 3, arbitrary: fc.constant({ method: 'POST', path: () => '/api/auth/login', shape: 'login' }) },
    { weight: 2, arbitrary: fc.constant({ method: 'POST', path: () => '/api/auth/refresh', shape: 'refresh' }) },
    { weight: 3, arbitrary: fc.constant({ method: 'POST', path: () => '/api/rooms', shape: 'room' }) },
    { weight: 4, arbitrary: fc.constant({ method: 'POST', path: (i) => `/api/rooms/${i}/messages`, shape: 'message' }) },
    { weight: 3, arbitrary: fc.constant({ method: 'PATCH', path: (i) => `/api/rooms/${i}`, shape: 'patch' }) },
    { weight: 2, arbitrary: fc.constant({ method: 'POST', path: (i) => `/api/rooms/${i}/members`, shape: 'member' }) },
    { weight: 3, arbitrary: fc.constant({ method: 'GET', path: (i) => `/api/rooms/${i}/messages`, shape: 'none' }) },
    { weight: 1, arbitrary: fc.constant({ method: 'GET', path: (i) => `/api/rooms/${i}/members`, shape: 'none' }) },
    { weight: 1, arbitrary: fc.constant({ method: 'GET', path: () => '/api/rooms', shape: 'none' }) },
    { weight: 1, arbitrary: fc.constant({ method: 'GET', path: (i) => `/api/rooms/${i}`, shape: 'none' }) },
  );
  const validBody = {
    register: fc.record({ email: fc.emailAddress(), name: fc.string({ minLength: 1, maxLength: 30 }), password: fc.string({ minLength: 0, maxLength: 40 }) }),
    login: fc.record({ email: fc.oneof(fc.constant(scene.restEmail), fc.emailAddress()), password: fc.string({ maxLength: 40 }) }),
    refresh: fc.record({ refreshToken: fc.oneof(fc.string({ maxLength: 80 }), fc.constant(scene.staleRefreshToken)) }),
    room: fc.record({
      name: fc.string({ minLength: 0, maxLength: 120 }),
      description: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      visibility: fc.option(fc.constantFrom('public', 'private', 'secret', ''), { nil: undefined }),
      aiMode: fc.constantFrom('off', 'mention', 'always', 'never', ''),
      systemPrompt: fc.option(fc.string({ maxLength: 100 }), { nil: undefined }),
      model: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
      memberIds: fc.option(fc.array(fc.oneof(fc.uuid(), fc.constant(scene.otherUserId)), { maxLength: 3 }), { nil: undefined }),
    }, { requiredKeys: ['name', 'aiMode'] }),
    message: fc.record({ content: fc.string({ maxLength: 100 }), clientId: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }) }),
    patch: fc.record({
      name: fc.string({ maxLength: 120 }),
      description: fc.option(fc.string({ maxLength: 100 }), { nil: null }),
      visibility: fc.constantFrom('public', 'private', 'x'),
      systemPrompt: fc.option(fc.string({ maxLength: 100 }), { nil: null }),
      model: fc.option(fc.string({ maxLength: 30 }), { nil: null }),
      aiMode: fc.constantFrom('off', 'mention', 'always', 'x'),
    }, { requiredKeys: [] }).map((p) => ({ ...p, aiMode: 'off' })), // never turn answers on
    member: fc.oneof(fc.record({ userId: fc.oneof(fc.uuid(), fc.constant(scene.otherUserId)) }), fc.record({ email: fc.emailAddress() })),
    none: fc.constant(undefined),
  };
  const bodyFor = (shape) => fc.oneof(
    { weight: 3, arbitrary: validBody[shape].map((b) => ({ json: b })) },
    // one field hostile / one field added
    { weight: 4, arbitrary: fc.tuple(validBody[shape], fc.constantFrom('email', 'name', 'password', 'refreshToken',
      'content', 'clientId', 'description', 'visibility', 'aiMode', 'systemPrompt', 'model', 'memberIds', 'userId',
      '__proto__', 'constructor'), hostileValue)
      .map(([b, field, v]) => ({ json: { ...(b ?? {}), [field]: v } })) },
    // not an object at all
    { weight: 2, arbitrary: hostileValue.map((v) => ({ json: v })) },
    // raw text: mutated JSON, raw numbers, deep nesting, not JSON
    { weight: 2, arbitrary: fc.tuple(validBody[shape], fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.nat(), editChar), { minLength: 1, maxLength: 3 }))
      .map(([b, edits]) => ({ raw: mutateText(JSON.stringify(b ?? {}), edits) })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('content', 'name', 'limit', 'since', 'userId', 'password'), rawNumberText)
      .map(([f, n]) => ({ raw: `{"${f}":${n}}` })) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('[', '{"a":'))
      .map(([d, open]) => ({ raw: `${open.repeat(d)}1${(open === '[' ? ']' : '}').repeat(d)}` })) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.constantFrom('', 'null', '{', '}', '{}{}', '\u0000'))
      .map((s) => ({ raw: s })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((a) => ({ raw: Buffer.from(a) })) },
  );
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    { weight: 3, arbitrary: fc.array(fc.tuple(fc.constantFrom('limit', 'before', 'after', 'since', 'x', '', 'limit[]'),
      fc.oneof(rawNumberText, fc.constantFrom('-1', 'abc', '', '0', '%', '%zz', '1;2', 'null', 'true'),
        nastyString.map(encodeSegment))), { minLength: 1, maxLength: 3 })
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`) },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded',
      'application/json; charset=latin1', 'application/problem+json', 'multipart/form-data', 'application/jsonx', '*/*',
      'application/json; charset=utf-8') },
  );
  const auth = fc.oneof({ weight: 8, arbitrary: fc.constant('user') }, fc.constant('none'), fc.constant('garbage'));
  const structured = fc.tuple(endpoint, id, query, contentType, auth).chain(([ep, i, q, ct, a]) =>
    bodyFor(ep.shape).map((body) => ({ method: ep.method, path: `${ep.path(i)}${q}`, contentType: ct, auth: a, body })));
  // random paths and methods under /api (the JSON error contract) and outside it
  const randomPath = fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
    fc.array(fc.oneof(fc.constantFrom('api', 'rooms', 'auth', 'messages', 'members', '..', '.', '', 'general', 'socket.io'),
      nastyString.map(encodeSegment), fc.uuid()), { minLength: 1, maxLength: 5 }),
    fc.boolean(), query, auth)
    .map(([method, segs, underApi, q, a]) => ({
      method,
      path: `${underApi ? '/api/' : '/'}${segs.join('/')}${q}`,
      contentType: 'application/json',
      auth: a,
      body: method === 'GET' || method === 'HEAD' ? undefined : { json: {} },
    }));
  return fc.oneof({ weight: 9, arbitrary: structured }, { weight: 1, arbitrary: randomPath });
}
