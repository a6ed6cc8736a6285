import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, createRoom, roomIdOf, roomLoaded, until } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const TOTAL = 260; // a join carries the newest 200; the rest comes in pages of 50 (then 10)

/** Calls the REST API from the page, with its access token. */
const api = (page, path, method, body) => page.evaluate(async ([path, method, body]) => {
  const res = await fetch("/api" + path, {
    method,
    headers: { "content-type": "application/json", authorization: "Bearer " + localStorage.getItem("chatbot.accessToken") },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}, [path, method, body]);

const texts = (page) => page.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.innerText.split("\n").pop()));

/** Where a message sits on screen, relative to the top of the scrolled list; with
 *  `atScrollTop0`, where it will sit once the list is scrolled to the very top. */
const topOf = (page, text, atScrollTop0 = false) => page.evaluate(([text, atScrollTop0]) => {
  const list = document.querySelector('[data-testid="message-list"]');
  const item = [...list.querySelectorAll('[data-testid="message"]')].find((e) => e.innerText.endsWith(text));
  const onScreen = item.getBoundingClientRect().top - list.getBoundingClientRect().top;
  return atScrollTop0 ? onScreen + list.scrollTop : onScreen;
}, [text, atScrollTop0]);

test("scrolling to the top loads older messages, prepended in order, without moving the view", async () => {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signUp(page, h.base);
  await createRoom(page, "E2E history");
  const roomId = await roomIdOf(page);
  await api(page, `/rooms/${roomId}`, "PATCH", { aiMode: "off" });
  for (let i = 1; i <= TOTAL; i++) await api(page, `/rooms/${roomId}/messages`, "POST", { content: `msg ${i}` });

  await page.reload();
  await roomLoaded(page);
  const messages = page.locator('[data-testid="message"]');
  await until(() => messages.count(), (n) => n === 200, { what: "the newest 200 messages" });
  assert.deepEqual((await texts(page)).slice(0, 2), ["msg 61", "msg 62"]);
  await page.getByTestId("load-older").waitFor();

  // To the top: the previous 50 arrive above, and "msg 61" stays where it was on screen.
  const list = page.getByTestId("message-list");
  const before61 = await topOf(page, "msg 61", true); // measured before anything can load
  await list.evaluate((el) => { el.scrollTop = 0; });
  await until(() => messages.count(), (n) => n === 250, { what: "the first older page" });
  const after61 = await topOf(page, "msg 61");
  assert.ok(Math.abs(after61 - before61) <= 2, `the view moved: msg 61 was at ${before61}px, now at ${after61}px`);

  // Again, from near (not at) the top: the last 10, then the start of the conversation.
  const before11 = (await topOf(page, "msg 11", true)) - 50;
  await list.evaluate((el) => { el.scrollTop = 50; });
  await page.getByTestId("history-start").waitFor();
  const after11 = await topOf(page, "msg 11");
  assert.ok(Math.abs(after11 - before11) <= 2, `the view moved: msg 11 was at ${before11}px, now at ${after11}px`);
  const all = await texts(page);
  assert.deepEqual(all, Array.from({ length: TOTAL }, (_, i) => `msg ${i + 1}`));
  const ids = await messages.evaluateAll((els) => els.map((e) => e.getAttribute("data-message-id")));
  assert.equal(new Set(ids).size, TOTAL, "duplicate message ids");
});
