// Hardening, sessions: a connection that drops while the server is still checking its token must
// not keep a per-user connection slot (nor a socket that looks connected). With room for two
// connections per user, forty handshakes abandoned mid-way must leave both slots free.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import WebSocket from 'ws';
import { users } from '../lib/scene.mjs';
import { connect, sleep } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const SOCKETS_PER_USER = 2;
const ABANDONED = 40;

/** Opens the transport, sends the /chat CONNECT with `token`, and drops the connection at once. */
function abandonHandshake(base, token) {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
    ws.once('message', () => {
      ws.send(`40/chat,${JSON.stringify({ token })}`);
      ws.terminate();
    });
    ws.once('close', resolve);
    ws.once('error', resolve);
  });
}

eachBackend('abandoned handshakes', (ctx) => {
  let ada;
  before(async () => {
    [ada] = await users(ctx.base, 'dropper');
  });

  it('connections dropped during authentication leave every per-user slot free', async () => {
    for (let i = 0; i < ABANDONED; i += 1) await abandonHandshake(ctx.base, ada.accessToken);
    await sleep(500); // let the server finish whatever it started for them

    const sockets = [];
    for (let i = 0; i < SOCKETS_PER_USER; i += 1) sockets.push(await connect(ctx.base, ada.accessToken));
    assert.equal(sockets[0].hello.deviceCount, 1, 'abandoned handshakes are counted as devices');
    for (const socket of sockets) socket.close();
  });
}, { env: { CHATBOT_SOCKETS_PER_USER: String(SOCKETS_PER_USER) } });
