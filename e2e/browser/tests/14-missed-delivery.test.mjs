import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, createRoom, roomIdOf, roomLoaded, until } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

/** A REST call as the page's user. */
async function api(path, method, token, body) {
  const res = await fetch(h.base + path, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${method} ${path}: HTTP ${res.status}`);
}

// A delivery can go missing on its way (a proxy, a future transport or adapter that drops; the
// server itself disconnects a socket whose queue is full rather than drop): the client must
// notice the jump in seq on the next message and fetch what it missed. Here one `message` frame
// is dropped on its way into the page.
test("a message whose delivery never reached the page is fetched when the next one shows a jump in seq", async () => {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 } });
  let upgraded = false;
  let dropped = 0;
  await page.routeWebSocket(/\/socket\.io\//, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((frame) => server.send(frame));
    server.onMessage((frame) => {
      const text = typeof frame === "string" ? frame : frame.toString();
      if (text === "3probe") upgraded = true; // the WebSocket carries the session from here on
      if (text.startsWith('42/chat,["message"') && text.includes("lost on the way") && dropped === 0) {
        dropped += 1;
        return;
      }
      ws.send(frame);
    });
  });
  await signUp(page, h.base, { name: "Gap Reader" });
  await createRoom(page, "Gap room");
  await roomLoaded(page);
  const roomId = await roomIdOf(page);
  const token = await page.evaluate(() => localStorage.getItem("chatbot.accessToken"));
  assert.ok(token, "the page holds an access token");
  // No assistant answers: the room holds only the messages posted below.
  await api(`/api/rooms/${encodeURIComponent(roomId)}`, "PATCH", token, { aiMode: "off" });
  await until(async () => upgraded, (v) => v, { what: "the WebSocket upgrade" });

  const posted = ["first seen", "lost on the way", "after the jump"];
  for (const content of posted) {
    await api(`/api/rooms/${encodeURIComponent(roomId)}/messages`, "POST", token, { content });
  }
  const messages = page.locator('[data-testid="message"]');
  const shown = await until(
    () => messages.allInnerTexts(),
    (texts) => posted.every((p) => texts.some((t) => t.includes(p))),
    { what: "all three messages on the page" },
  );
  assert.equal(dropped, 1, "the middle message's frame was dropped on its way in");
  const order = posted.map((p) => shown.findIndex((t) => t.includes(p)));
  assert.deepEqual([...order].sort((a, b) => a - b), order, `in seq order: ${JSON.stringify(shown)}`);
  assert.equal(shown.filter((t) => t.includes("lost on the way")).length, 1, "shown once");
});
