// SPEC §4 compatibility: the original Next.js front end, with its API base set to `<server>/api`,
// connects with `io(NEXT_PUBLIC_API_URL + "/chat")`, i.e. to namespace `/api/chat`. That namespace
// is `/chat` under a second name: the same handlers, and the same rooms, so a member connected
// through one name and a member connected through the other see each other live, over both
// transports.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { assertAckError, assertOk } from '../lib/contract.mjs';
import { clientId, join, joined, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck, expectRefused, firstOf, mark, show, sleep, waitFor } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const ALIAS = { namespace: '/api/chat' };

eachBackend('namespace /api/chat', (ctx) => {
  let alice;
  let bob;
  let room;
  before(async () => {
    [alice, bob] = await users(ctx.base, 'alias-alice', 'alias-bob');
    room = await roomWith(ctx.base, alice, [bob]);
  });

  for (const transport of ['websocket', 'polling']) {
    it(`connects, gets \`connected\`, and shares rooms with /chat — over ${transport}`, async () => {
      const a = await connect(ctx.base, alice.accessToken, { ...ALIAS, transports: [transport] });
      assert.equal(a.hello.userId, alice.id, `connected ${show(a.hello)}`);
      assert.equal(a.nsp, '/api/chat');
      a.joinAck = await join(a, room.id);
      const b = await joined(ctx.base, bob, room.id, { transports: [transport] });

      // /api/chat → /chat, and the sender's own socket gets its message too.
      const toB = waitFor(b, 'message', (m) => m.roomId === room.id && m.content === 'from the alias');
      const toA = waitFor(a, 'message', (m) => m.roomId === room.id && m.content === 'from the alias');
      const sent = assertOk(
        await emitAck(a, 'send', { roomId: room.id, content: 'from the alias', clientId: clientId() }),
        'send on /api/chat',
      );
      assert.equal((await toB).id, sent.message.id);
      assert.equal((await toA).id, sent.message.id);

      // /chat → /api/chat.
      const back = waitFor(a, 'message', (m) => m.roomId === room.id && m.content === 'from /chat');
      assertOk(await emitAck(b, 'send', { roomId: room.id, content: 'from /chat', clientId: clientId() }), 'send');
      assert.equal((await back).userId, bob.id);

      // Broadcasts from a socket's handler (typing) cross too, in both directions.
      const typingToA = waitFor(a, 'userTyping', (e) => e.userId === bob.id && e.isTyping === true);
      assertOk(await emitAck(b, 'typing', { roomId: room.id, isTyping: true }), 'typing on /chat');
      await typingToA;
      const typingToB = waitFor(b, 'userTyping', (e) => e.userId === alice.id && e.isTyping === true);
      assertOk(await emitAck(a, 'typing', { roomId: room.id, isTyping: true }), 'typing on /api/chat');
      await typingToB;
      a.close();
      b.close();
    });
  }

  it('the original client\'s sequence works on /api/chat: join general, send {text}, no acks', async () => {
    const a = await connect(ctx.base, alice.accessToken, ALIAS);
    const b = await joined(ctx.base, bob, 'general');
    const since = mark(a);
    const text = `legacy ${clientId()}`;
    const first = firstOf(a, {
      message: (m) => m.roomId === 'general' && m.text === text,
      roomActivity: (e) => e.roomId === 'general',
    }, 10_000);
    const atB = waitFor(b, 'message', (m) => m.roomId === 'general' && m.text === text);
    a.emit('join', { roomId: 'general' });
    a.emit('send', { roomId: 'general', text });
    const { event, payload } = await first;
    assert.equal(event, 'message', `got ${event} ${show(payload)}`);
    assert.equal((await atB).userId, alice.id, 'a /chat member of general got it too');
    await sleep(200);
    assert.deepEqual(since('exception'), [], 'no exception');
    a.close();
    b.close();
  });

  it('room changes made over REST reach /api/chat sockets (membership, rooms joined server-side)', async () => {
    const carol = (await users(ctx.base, 'alias-carol'))[0];
    const c = await connect(ctx.base, carol.accessToken, ALIAS);
    const added = waitFor(c, 'memberAdded', (e) => e.roomId === room.id && e.userId === carol.id);
    const res = await fetch(`${ctx.base}/api/rooms/${room.id}/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ userId: carol.id }),
    });
    assert.ok(res.ok, `add member: ${res.status}`);
    await added;
    // Now a member: the server joined this /api/chat socket to the room's member group, so a
    // message in the room arrives as roomActivity before the socket joins the room itself.
    const activity = waitFor(c, 'roomActivity', (e) => e.roomId === room.id && e.preview === 'for carol');
    const a = await joined(ctx.base, alice, room.id);
    assertOk(await emitAck(a, 'send', { roomId: room.id, content: 'for carol', clientId: clientId() }), 'send');
    await activity;
    a.close();
    c.close();
  });

  it('refuses a handshake without a token, as /chat does', async () => {
    const { err } = await expectRefused(ctx.base, null, ALIAS);
    assert.match(err.message, /^unauthorized/, show({ message: err.message, data: err.data }));
  });

  it('answers an unknown event with an ack as bad_request, as /chat does', async () => {
    const a = await connect(ctx.base, alice.accessToken, ALIAS);
    assertAckError(await emitAck(a, 'no_such_event', {}), 'bad_request', 'unknown event');
    a.close();
  });
});
