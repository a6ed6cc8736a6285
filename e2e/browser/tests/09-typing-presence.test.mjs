import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, createRoom, roomIdOf, goTo, roomLoaded } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

test("typing and presence: B sees A typing, and A going offline", async () => {
  const b = await h.browser.newPage();
  const bEmail = await signUp(b, h.base, { name: "Bob Reader" });
  const a = await h.browser.newPage();
  await signUp(a, h.base, { name: "Alice Writer" });
  await createRoom(a, "E2E typing");
  const roomId = await roomIdOf(a);

  await a.getByTestId("room-settings").click();
  await a.getByTestId("member-add-email").fill(bEmail);
  await a.getByTestId("member-add").click();
  await a.getByTestId("member-item").filter({ hasText: bEmail }).waitFor();
  await a.getByTestId("room-settings").click(); // back to the chat
  await roomLoaded(a);

  await goTo(b, `/r/${encodeURIComponent(roomId)}`);
  await roomLoaded(b);
  await b.getByTestId("room-presence").filter({ hasText: "2 online" }).waitFor();

  // A types: B sees who; A clears the composer: it goes away at once (not after the expiry).
  const indicator = b.getByTestId("typing-indicator");
  await a.getByTestId("composer").pressSequentially("Hello Bob", { delay: 20 });
  await indicator.filter({ hasText: "Alice Writer is typing" }).waitFor();
  await a.getByTestId("composer").fill("");
  await indicator.waitFor({ state: "detached", timeout: 3000 });

  // A types again and sends: the message replaces the indicator.
  await a.getByTestId("composer").pressSequentially("Hi there", { delay: 20 });
  await indicator.waitFor();
  await a.getByTestId("send").click();
  await b.locator('[data-testid="message"][data-role="user"]').filter({ hasText: "Hi there" }).waitFor();
  await indicator.waitFor({ state: "detached", timeout: 3000 });
  assert.equal(await a.getByTestId("typing-indicator").count(), 0, "nobody else typed in A's view");

  // A's only device goes away: B sees A offline.
  await a.close();
  await b.getByTestId("room-presence").filter({ hasText: "1 online" }).waitFor();
});
