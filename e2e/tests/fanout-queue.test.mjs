// Hardening, bounded memory: the queue between the message writer and real-time delivery holds at
// most `limits.fanout_queue_bytes` of room traffic. Only a starved server fills it; this suite
// sets it to about one message so a burst of sends does. Past the bound the room's live
// deliveries stop and the sockets that joined it are disconnected: a member never stays
// connected with a hole, and catches up from the database with `join {since}`.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { clientId, join, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const SENDERS = 8;
const EACH = 20;

eachBackend('fan-out queue bound', (ctx) => {
  let owner;
  let reader;
  before(async () => {
    [owner, reader] = await users(ctx.base, 'burst', 'reader');
  });

  it('past the bound a room\'s joined sockets are disconnected, never left with a gap, and catch up', async () => {
    const room = await roomWith(ctx.base, owner, [reader], { aiMode: 'off' });
    const listener = await connect(ctx.base, reader.accessToken);
    await join(listener, room.id);
    const seqs = [];
    let disconnected = null;
    listener.on('message', (m) => { if (m.roomId === room.id && !disconnected) seqs.push(m.seq); });
    const gone = new Promise((resolve) => listener.once('disconnect', (reason) => {
      disconnected = reason;
      resolve(reason);
    }));

    const senders = [];
    for (let i = 0; i < SENDERS; i += 1) senders.push(await connect(ctx.base, owner.accessToken));
    // The senders do not join the room (sending needs membership only), so only the listener
    // is disconnected when the room lags.
    await Promise.all(senders.map(async (s, i) => {
      for (let k = 0; k < EACH; k += 1) {
        const ack = await Promise.all([0, 1].map((j) => emitAck(s, 'send', {
          roomId: room.id, content: `${i}/${k}/${j} burst`, clientId: clientId(),
        })));
        for (const a of ack) assert.equal(a.ok, true, JSON.stringify(a));
      }
    }));
    const total = SENDERS * EACH * 2;

    const reason = await Promise.race([gone, new Promise((r) => setTimeout(r, 3000, 'still connected'))]);
    assert.equal(reason, 'io server disconnect', `the listener got ${seqs.length} of ${total} messages and stayed connected`);
    for (let i = 1; i < seqs.length; i += 1) {
      assert.equal(seqs[i], seqs[i - 1] + 1, `a gap between seq ${seqs[i - 1]} and ${seqs[i]} while connected`);
    }

    // It catches up: a new connection joined from the last seq seen gets the next one first.
    const again = await connect(ctx.base, reader.accessToken);
    const since = seqs.at(-1) ?? 0;
    const ack = await join(again, room.id, since);
    assert.equal(ack.messages[0]?.seq, since + 1);
    assert.equal(ack.messages.at(-1).seq <= total, true);
    again.close();
    for (const s of senders) s.close();
  });
}, { env: { CHATBOT_FANOUT_QUEUE_BYTES: '600' } });
