// Hardening, bounded memory per client: a WebSocket message larger than the payload limit
// (CHATBOT_MAX_BODY_BYTES, 1 MiB by default) ends the connection before any authentication,
// instead of being buffered and handled (the transport's own default was 64 MiB).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import WebSocket from 'ws';
import { eachBackend } from '../lib/suite.mjs';

const LIMIT = 64 * 1024;

/** Opens a raw Engine.IO WebSocket and resolves once the server's open packet arrived. */
function open(base) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const events = [];
  ws.on('message', (data) => events.push(String(data)));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('message', () => resolve({ ws, events }));
  });
}

function closed(ws, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

eachBackend('WebSocket message limit', (ctx) => {
  it('a message over the payload limit closes the connection; one under it is read', async () => {
    // Under the limit: a CONNECT with a (bad) token is answered with connect_error.
    const small = await open(ctx.base);
    small.ws.send(`40/chat,${JSON.stringify({ token: 'x'.repeat(LIMIT / 2) })}`);
    const until = Date.now() + 5000;
    while (!small.events.some((e) => e.startsWith('44/chat')) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(small.events.some((e) => e.startsWith('44/chat')), `connect_error expected: ${small.events}`);
    small.ws.close();

    // Over it: the server drops the connection (tungstenite stops reading at the limit; no close
    // frame is sent, so the client sees 1005/1006), without answering.
    const big = await open(ctx.base);
    const code = closed(big.ws, 10_000);
    big.ws.send(`40/chat,${JSON.stringify({ token: 'x'.repeat(LIMIT * 4) })}`);
    assert.notEqual(await code, null, `the connection stayed open; received ${big.events.map((e) => e.slice(0, 40))}`);
    assert.ok(!big.events.some((e) => e.startsWith('44/chat')), 'the oversized CONNECT was never handled');
  });
}, { env: { CHATBOT_MAX_BODY_BYTES: String(LIMIT) } });
