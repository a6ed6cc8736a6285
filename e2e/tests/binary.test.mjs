// Hardening, bounded memory per client: binary attachments are refused. Our clients never send
// them, and socket.io would otherwise buffer up to 10 MB of attachments per socket for up to a
// minute while it waits for the rest of a packet. A BINARY_EVENT ends the connection; the same
// event as text is answered as usual.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import WebSocket from 'ws';
import { users } from '../lib/scene.mjs';
import { eachBackend } from '../lib/suite.mjs';

/** A raw Engine.IO WebSocket joined to /chat; resolves once `connected` arrived. */
function joined(base, token) {
  const ws = new WebSocket(`${base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const frames = [];
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? '<binary>' : String(data);
    frames.push(text);
    if (text === '2') ws.send('3'); // answer pings
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no connected event: ${frames}`)), 5000);
    ws.once('error', reject);
    ws.once('open', () => ws.send(`40/chat,${JSON.stringify({ token })}`));
    ws.on('message', (data) => {
      if (String(data).startsWith('42/chat,["connected"')) {
        clearTimeout(timer);
        resolve({ ws, frames });
      }
    });
  });
}

function outcome(ws, frames, ackPrefix, ms) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('nothing'), ms);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    const poll = setInterval(() => {
      if (frames.some((f) => f.startsWith(ackPrefix))) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve('acked');
      }
    }, 20);
    ws.once('close', () => clearInterval(poll));
  });
}

eachBackend('binary attachments', (ctx) => {
  let ada;
  before(async () => {
    [ada] = await users(ctx.base, 'binary');
  });

  it('a text event is answered; a BINARY_EVENT with an attachment ends the connection', async () => {
    const text = await joined(ctx.base, ada.accessToken);
    text.ws.send('42/chat,7["getRooms",{}]');
    assert.equal(await outcome(text.ws, text.frames, '43/chat,7', 5000), 'acked');
    text.ws.close();

    const binary = await joined(ctx.base, ada.accessToken);
    binary.ws.send('451-/chat,8["getRooms",{"_placeholder":true,"num":0}]');
    binary.ws.send(Buffer.alloc(1024, 7));
    assert.equal(await outcome(binary.ws, binary.frames, '43/chat,8', 5000), 'closed', String(binary.frames));
  });
});
