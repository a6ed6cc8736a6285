// Hardening, bounded memory per client: a client that stops reading must not make the server
// queue without limit, and must never be left connected with a hole in what it received.
//
// The slow client here uses Engine.IO long-polling and simply stops polling: everything sent to
// it waits in the server's queue for that socket (no kernel buffers in between, unlike a paused
// WebSocket). Another member then sends more than the queue may hold. When the slow client polls
// again it must either get every message in `seq` order or find its connection ended (it then
// catches up with `join {since}`, SPEC §3 guarantee 3); a connection that stays open after
// messages were dropped for it is the defect.

import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { request } from '../lib/api.mjs';
import { clientId, join, roomWith, users } from '../lib/scene.mjs';
import { connect, emitAck } from '../lib/socket.mjs';
import { eachBackend } from '../lib/suite.mjs';

const RECORD_SEPARATOR = '\x1e';
const QUEUE_BYTES = 64 * 1024;
const MESSAGE_CHARS = 1000;
const MESSAGES = 300; // 300 × ~1 KB ≈ 300 KB: beyond the 64 KiB queue, and beyond 256 packets

/** A raw Engine.IO long-polling client that reads only when told to. */
class PollingClient {
  constructor(base) {
    this.url = `${base}/socket.io/?EIO=4&transport=polling`;
    this.sid = null;
  }

  async get() {
    const res = await fetch(`${this.url}${this.sid ? `&sid=${this.sid}` : ''}`);
    return { status: res.status, packets: res.status === 200 ? (await res.text()).split(RECORD_SEPARATOR) : [] };
  }

  async post(packet) {
    const res = await fetch(`${this.url}&sid=${this.sid}`, { method: 'POST', body: packet });
    assert.equal(res.status, 200, `POST ${packet.slice(0, 60)} → ${res.status}`);
  }

  /** Opens the session and joins /chat with `token`, reading until `connected` arrived. */
  async open(token) {
    const { packets } = await this.get();
    this.sid = JSON.parse(packets[0].slice(1)).sid;
    await this.post(`40/chat,${JSON.stringify({ token })}`);
    for (let i = 0; i < 10; i += 1) {
      const { packets: more } = await this.get();
      if (more.some((p) => p.startsWith('42/chat,["connected"'))) return;
    }
    throw new Error('no connected event');
  }
}

eachBackend('slow consumers', (ctx) => {
  let owner;
  let slow;
  before(async () => {
    [owner, slow] = await users(ctx.base, 'sender', 'slow');
  });

  it('a client that stops reading is disconnected once its queue passes the byte limit, never left with a gap', async () => {
    const room = await roomWith(ctx.base, owner, [slow], { aiMode: 'off' });
    const client = new PollingClient(ctx.base);
    await client.open(slow.accessToken);
    await client.post(`42/chat,1${JSON.stringify(['join', { roomId: room.id }])}`);
    const { packets: joinAck } = await client.get();
    assert.ok(joinAck.some((p) => p.startsWith('43/chat,1[') && p.includes('"ok":true')), `join ack: ${joinAck}`);

    // The slow client stops polling; the sender's messages queue up for it on the server.
    const sender = await connect(ctx.base, owner.accessToken);
    await join(sender, room.id);
    for (let i = 0; i < MESSAGES; i += 1) {
      const ack = await emitAck(sender, 'send', {
        roomId: room.id, content: `${i} ${'x'.repeat(MESSAGE_CHARS)}`, clientId: clientId(),
      });
      assert.equal(ack.ok, true, JSON.stringify(ack));
    }

    // Now read everything that is there.
    const seqs = [];
    let queuedBytes = 0;
    let ended = false;
    for (let polls = 0; polls < 200 && !ended && seqs.length < MESSAGES; polls += 1) {
      const { status, packets } = await client.get();
      if (status !== 200) {
        ended = true; // the session is gone (400 unknown sid)
        break;
      }
      for (const packet of packets) {
        if (packet === '1' || packet.startsWith('41/chat')) ended = true;
        if (packet === '2') await client.post('3');
        if (packet.startsWith('42/chat,["message"')) {
          seqs.push(JSON.parse(packet.slice('42/chat,'.length))[1].seq);
          queuedBytes += Buffer.byteLength(packet);
        }
      }
    }
    for (let i = 1; i < seqs.length; i += 1) {
      assert.equal(seqs[i], seqs[i - 1] + 1, `a gap between seq ${seqs[i - 1]} and ${seqs[i]} (received ${seqs.length})`);
    }
    assert.ok(ended, `the slow client stayed connected after ${seqs.length} of ${MESSAGES} messages`);
    assert.ok(seqs.length < MESSAGES, 'the queue held every message: the byte limit did not apply');
    assert.ok(queuedBytes <= QUEUE_BYTES, `${queuedBytes} bytes of messages were queued for the slow client (limit ${QUEUE_BYTES})`);

    // It catches up over a new connection, from the last seq it saw.
    const again = await connect(ctx.base, slow.accessToken);
    const since = seqs.at(-1) ?? 0;
    const ack = await join(again, room.id, since);
    assert.equal(ack.messages[0]?.seq, since + 1, 'the catch-up starts right after the last seq seen');
    const latest = await request(ctx.base, 'GET', `/api/rooms/${room.id}/messages?limit=1`, { token: slow.accessToken });
    assert.deepEqual(latest.body.messages.map((m) => m.seq), [MESSAGES], 'every message was stored');
    again.close();
    sender.close();
  });
}, { env: { CHATBOT_SOCKET_QUEUE_BYTES: String(QUEUE_BYTES), CHATBOT_JOIN_HISTORY_BYTES: String(QUEUE_BYTES / 4) } });
