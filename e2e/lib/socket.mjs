// Socket.IO client helpers around the official socket.io-client, the library real clients use.
//
// Every socket opened here logs every event it receives, so a timeout can say what DID arrive
// (the most useful fact when a wire contract is broken), and negative checks ("nobody got a
// second `message`") can look back at exactly what came in after a point.

import { io } from 'socket.io-client';

export const TIMEOUT_MS = 5000;

/** Sockets still open in this test file; closeAll() in each suite's after hook. */
const open = new Set();
const logs = new WeakMap();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** JSON for assertion messages, cut short so a 16 KiB payload does not drown the output. */
export function show(value, max = 600) {
  let text;
  try {
    text = JSON.stringify(value);
  } catch {
    text = String(value);
  }
  if (text === undefined) text = String(value);
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

/** Everything `socket` received so far: [{event, payload}], oldest first. */
export function received(socket) {
  return logs.get(socket) ?? [];
}

/** The last events a socket received, for error messages. */
export function describeReceived(socket, last = 15) {
  const log = received(socket);
  if (log.length === 0) return '(no events received)';
  const tail = log.slice(-last).map(({ event, payload }) => `  ${event} ${show(payload, 300)}`);
  return `${log.length} event(s) received, last ${tail.length}:\n${tail.join('\n')}`;
}

/**
 * Returns a function giving the payloads of `event` received by `socket` after this call.
 * Used for "X never arrived" checks after a settle delay.
 */
export function mark(socket) {
  const start = received(socket).length;
  return (event) => received(socket).slice(start).filter((e) => e.event === event).map((e) => e.payload);
}

/**
 * Opens a /chat socket without waiting for anything. token null: no auth at all.
 * `opts.namespace` picks another namespace (`/api/chat`, the original front end's); the other
 * options go to socket.io-client.
 */
export function openSocket(base, token, { namespace = '/chat', ...opts } = {}) {
  const socket = io(`${base}${namespace}`, {
    ...(token == null ? {} : { auth: { token } }),
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: TIMEOUT_MS,
    ...opts,
  });
  const log = [];
  logs.set(socket, log);
  socket.onAny((event, payload) => log.push({ event, payload }));
  // Reserved events do not reach onAny; log them too, they explain most failures.
  socket.on('connect', () => log.push({ event: 'connect', payload: { id: socket.id } }));
  socket.on('connect_error', (err) => log.push({
    event: 'connect_error', payload: { message: err.message, data: err.data, description: String(err.description ?? '') },
  }));
  socket.on('disconnect', (reason) => log.push({ event: 'disconnect', payload: reason }));
  open.add(socket);
  return socket;
}

/**
 * Connects and resolves with the socket once the server's `connected` event arrived (clients
 * send nothing before it: SPEC §3). Its payload is kept as `socket.hello`.
 */
export function connect(base, token, opts = {}) {
  const socket = openSocket(base, token, opts);
  const transports = (opts.transports ?? ['websocket']).join(',');
  return new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`${opts.namespace ?? '/chat'} connection over ${transports} failed: ${why}\n${describeReceived(socket)}`));
    };
    const timer = setTimeout(() => fail(`no \`connected\` event within ${TIMEOUT_MS}ms ` +
      `(socket.connected=${socket.connected})`), TIMEOUT_MS);
    socket.once('connected', (payload) => {
      clearTimeout(timer);
      socket.hello = payload;
      resolve(socket);
    });
    socket.once('connect_error', (err) => fail(`connect_error ${show({ message: err.message, data: err.data })}`));
    socket.once('disconnect', (reason) => fail(`disconnected (${reason}) before \`connected\``));
  });
}

/**
 * Opens a socket that the server must refuse; resolves with {err, socket} on `connect_error`.
 * Rejects if the socket connects instead (even if it is disconnected right after).
 */
export function expectRefused(base, token, opts = {}) {
  const socket = openSocket(base, token, opts);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`neither connect_error nor a connection within ${TIMEOUT_MS}ms\n${describeReceived(socket)}`));
    }, TIMEOUT_MS);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.close();
      reject(new Error(`the server accepted the connection (socket ${socket.id}) instead of refusing it\n` +
        describeReceived(socket)));
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      resolve({ err, socket });
    });
  });
}

/** Emits with an acknowledgement callback and resolves with the ack; rejects after `timeoutMs`. */
export async function emitAck(socket, event, payload, timeoutMs = TIMEOUT_MS) {
  try {
    return await socket.timeout(timeoutMs).emitWithAck(event, payload);
  } catch (e) {
    throw new Error(`no ack for \`${event}\` ${show(payload, 200)} within ${timeoutMs}ms ` +
      `(${e.message}; socket.connected=${socket.connected})\n${describeReceived(socket)}`);
  }
}

/**
 * Resolves with the payload of the next `event` on `socket` for which `predicate` holds.
 * Register it BEFORE triggering the event.
 */
export function waitFor(socket, event, predicate = () => true, timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const listener = (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener);
      reject(new Error(`socket ${socket.id ?? '(not connected)'}: no \`${event}\` matching ` +
        `${predicate.toString()} within ${timeoutMs}ms\n${describeReceived(socket)}`));
    }, timeoutMs);
    socket.on(event, listener);
  });
}

/**
 * Resolves with {event, payload} for whichever of several awaited events comes first, e.g. the
 * expected one and the one that proves it will never come. `matchers`: {event: predicate}.
 */
export function firstOf(socket, matchers, timeoutMs = TIMEOUT_MS) {
  return new Promise((resolve, reject) => {
    const listeners = Object.entries(matchers).map(([event, predicate]) => {
      const listener = (payload) => {
        if (!predicate(payload)) return;
        done();
        resolve({ event, payload });
      };
      socket.on(event, listener);
      return [event, listener];
    });
    const done = () => {
      clearTimeout(timer);
      for (const [event, listener] of listeners) socket.off(event, listener);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`socket ${socket.id ?? '(not connected)'}: none of ${Object.keys(matchers).join(', ')} ` +
        `matching ${Object.values(matchers).map(String).join(' / ')} within ${timeoutMs}ms\n${describeReceived(socket)}`));
    }, timeoutMs);
  });
}

/**
 * Collects every `event` payload matching `predicate` from now on; `until(n)` resolves with the
 * list once it holds n items.
 */
export function collect(socket, event, predicate = () => true) {
  const items = [];
  let wake = () => {};
  socket.on(event, (payload) => {
    if (!predicate(payload)) return;
    items.push(payload);
    wake();
  });
  return {
    items,
    until(n, timeoutMs = TIMEOUT_MS) {
      if (items.length >= n) return Promise.resolve(items);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`socket ${socket.id}: ${items.length} of ${n} ` +
          `\`${event}\` events within ${timeoutMs}ms\n${describeReceived(socket)}`)), timeoutMs);
        wake = () => {
          if (items.length < n) return;
          clearTimeout(timer);
          resolve(items);
        };
      });
    },
  };
}

/** Closes every socket this file opened (each suite's after hook), so the process can exit. */
export function closeAll() {
  for (const socket of open) socket.close();
  open.clear();
}
