// Hardening, bounded memory per client: acks are bounded in bytes, not only in count. A `join`
// carries at most CHATBOT_JOIN_HISTORY_BYTES of message text (the rest is paged, `hasMore`
// says so), and `getRooms` leaves out the rooms' system prompts (up to 20,000 characters each,
// for up to 1,000 rooms; the room's own page reads it).

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { postMessage, request } from '../lib/api.mjs';
import { assertOk } from '../lib/contract.mjs';
import { join, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, show } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const BUDGET = 64 * 1024;
const BIG = 'x'.repeat(15 * 1024);

eachBackend('ack sizes', (ctx) => {
  let ada;
  let room;
  before(async () => {
    [ada] = await users(ctx.base, 'bytes');
    room = await roomWith(ctx.base, ada, [], { systemPrompt: 'p'.repeat(20_000) });
    for (let i = 0; i < 12; i++) await postMessage(ctx.base, ada.accessToken, room.id, `${i} ${BIG}`);
  });

  it('a join from the start carries at most the byte budget, oldest first, and says there is more', async () => {
    const socket = await connect(ctx.base, ada.accessToken);
    const ack = await join(socket, room.id, 0);
    const bytes = ack.messages.reduce((n, m) => n + Buffer.byteLength(m.content), 0);
    assert.ok(bytes <= BUDGET, `${bytes} bytes of text in the ack`);
    assert.ok(ack.messages.length >= 1, 'at least one message, whatever its size');
    assert.deepEqual(ack.messages.map((m) => m.seq), ack.messages.map((_, i) => i + 1), 'contiguous from since');
    assert.equal(ack.hasMore, true, 'the rest is paged');
    socket.close();
  });

  it('a join without since carries the newest that fit, ending at the last message', async () => {
    const socket = await connect(ctx.base, ada.accessToken);
    const ack = await join(socket, room.id);
    const bytes = ack.messages.reduce((n, m) => n + Buffer.byteLength(m.content), 0);
    assert.ok(bytes <= BUDGET, `${bytes} bytes of text in the ack`);
    assert.equal(ack.messages.at(-1).seq, 12, show(ack.messages.map((m) => m.seq)));
    socket.close();
  });

  it('getRooms leaves out system prompts; the room itself still has its prompt', async () => {
    const socket = await connect(ctx.base, ada.accessToken);
    const ack = assertOk(await emitAck(socket, 'getRooms', {}), 'getRooms');
    const listed = ack.rooms.find((r) => r.id === room.id);
    assert.ok(listed, show(ack.rooms.map((r) => r.id)));
    assert.equal(listed.systemPrompt, undefined, 'no prompt in the list');
    const one = await request(ctx.base, 'GET', `/api/rooms/${room.id}`, { token: ada.accessToken });
    assert.equal(one.body.room.systemPrompt.length, 20_000);
    socket.close();
  });
}, { env: { CHATBOT_JOIN_HISTORY_BYTES: String(BUDGET) } });
