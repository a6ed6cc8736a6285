// SPEC §3 guarantee 6, ordering under concurrency: 10 members each send 30 messages at once;
// two observers must see all 300, in the same order, with seq increasing by exactly 1.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertOk } from '../lib/contract.mjs';
import { clientId, joined, roomWith, users } from '../lib/scene.mjs';
import { collect, emitAck, show, sleep } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const SENDERS = 10;
const PER_SENDER = 30;
const TOTAL = SENDERS * PER_SENDER;

eachBackend('ordering under concurrent sends', (ctx) => {
  let room;
  let senders;
  let observers;
  before(async () => {
    const all = await users(ctx.base, 'owner', 'observer', ...Array.from({ length: SENDERS }, (_, i) => `sender${i}`));
    const [owner, observer] = all;
    room = await roomWith(ctx.base, owner, all.slice(1));
    // Two observer sockets from two users: the owner and a plain member.
    observers = [await joined(ctx.base, owner, room.id), await joined(ctx.base, observer, room.id)];
    senders = [];
    for (const user of all.slice(2)) senders.push({ user, socket: await joined(ctx.base, user, room.id) });
  });

  it(`${SENDERS} × ${PER_SENDER} concurrent sends: every observer sees all ${TOTAL} in one seq order`, async (t) => {
    const seen = observers.map((o) => collect(o, 'message', (m) => m.roomId === room.id && m.role === 'user'));

    // Fire everything without awaiting in between: the server sees interleaved sends from 10 sockets.
    const started = Date.now();
    const acks = await Promise.all(senders.flatMap(({ socket }, s) =>
      Array.from({ length: PER_SENDER }, (_, i) => {
        const payload = { roomId: room.id, content: `s${s} m${i}`, clientId: clientId() };
        return emitAck(socket, 'send', payload, 30_000).then((ack) => assertOk(ack, `send ${show(payload)}`));
      })));
    const ackedIds = new Set(acks.map((a) => a.message.id));
    assert.equal(ackedIds.size, TOTAL, `${TOTAL} distinct messages acked, got ${ackedIds.size}`);

    const lists = await Promise.all(seen.map((c) => c.until(TOTAL, 30_000)));
    const elapsed = Date.now() - started;

    const [first, second] = lists.map((list) => list.slice(0, TOTAL));
    const seqs = first.map((m) => m.seq);
    for (let i = 1; i < seqs.length; i++) {
      assert.equal(seqs[i], seqs[i - 1] + 1,
        `observer 1: seq must increase by 1, at #${i} got ${seqs[i - 1]} then ${seqs[i]} ` +
        `(around: ${show(seqs.slice(Math.max(0, i - 5), i + 5))})`);
    }
    const firstIds = first.map((m) => m.id);
    const secondIds = second.map((m) => m.id);
    const diverge = firstIds.findIndex((id, i) => id !== secondIds[i]);
    assert.equal(diverge, -1, `observers disagree on the order from #${diverge}: ` +
      `${show(first.slice(diverge, diverge + 3))} vs ${show(second.slice(diverge, diverge + 3))}`);
    assert.deepEqual(new Set(firstIds), ackedIds, 'observers saw a different set than was acked');
    await sleep(300); // duplicates would arrive after the 300th
    for (const [i, list] of lists.entries()) {
      assert.equal(list.length, TOTAL, `observer ${i + 1} got ${list.length - TOTAL} extra message(s)`);
    }
    // Ack seq and broadcast seq are the same number.
    const seqById = new Map(first.map((m) => [m.id, m.seq]));
    for (const ack of acks) {
      assert.equal(seqById.get(ack.message.id), ack.message.seq, `ack vs broadcast seq: ${show(ack)}`);
    }
    t.diagnostic(`${TOTAL} sends acked and delivered to 2 observers in ${elapsed} ms`);
  });
});
