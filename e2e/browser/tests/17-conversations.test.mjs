// Conversations (docs/conversations.md) in the web app: editing and deleting one's messages as a
// second member sees them, branches from regenerate and from an edited question with ‹ k/n ›,
// exporting a room (Markdown and JSON), searching (Korean and English) and jumping to a result
// outside the loaded history, share links (made, opened by another account, also after signing
// in, revoked), and the new header controls at 360 px.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { start, signUp, createRoom, roomIdOf, roomLoaded, send, until, PASSWORD } from "../lib/harness.mjs";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const desktop = () => h.browser.newPage({ viewport: { width: 1280, height: 800 } }); // its own context

/** A REST call with the page's access token; returns the parsed body (fails on an error status). */
async function rest(page, method, path, body) {
  const token = await page.evaluate(() => localStorage.getItem("chatbot.accessToken"));
  const res = await fetch(h.base + "/api" + path, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), authorization: `Bearer ${token}` },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const room = (id) => `/rooms/${encodeURIComponent(id)}`;

/** A room made by `page`'s user through the UI, with `aiMode` set over REST; returns its id. */
async function roomWith(page, name, aiMode) {
  await createRoom(page, name);
  const id = await roomIdOf(page);
  if (aiMode) await rest(page, "PATCH", room(id), { aiMode });
  await roomLoaded(page);
  return id;
}

/** Adds `email` to the room (as its owner) and opens the room in `other`'s page. */
async function addMember(owner, roomId, email, other) {
  await rest(owner, "POST", room(roomId) + "/members", { email });
  const item = other.locator(`[data-testid="room-item"][data-room-id="${roomId}"]`);
  await item.waitFor();
  await item.click();
  await roomLoaded(other);
}

const message = (page, text) => page.locator('[data-testid="message"]').filter({ hasText: text });
const question = (page, text) => page.locator('[data-testid="message"][data-role="user"]').filter({ hasText: text });
const answers = (page) => page.locator('[data-testid="message"][data-role="assistant"]');
const settled = (page) => until(() => page.getByTestId("stop").count(), (n) => n === 0, { what: "no answer streaming", timeout: 20000 });

test("edit and delete: the author's own messages change for every member; Esc cancels an edit", async () => {
  const a = await desktop();
  await signUp(a, h.base, { name: "Edna Editor" });
  const b = await desktop();
  const bEmail = await signUp(b, h.base, { name: "Bea Reader" });
  const roomId = await roomWith(a, "Edits", "off");
  await addMember(a, roomId, bEmail, b);

  await send(a, "Hello before the edit");
  await message(b, "Hello before the edit").waitFor();
  // B can neither edit nor delete A's message.
  assert.equal(await message(b, "Hello before the edit").getByTestId("message-edit").count(), 0);

  const mine = message(a, "Hello before the edit");
  await mine.hover();
  await mine.getByTestId("message-edit").click();
  const input = a.getByTestId("message-edit-input");
  assert.equal(await input.inputValue(), "Hello before the edit");
  await input.fill("Hello after the edit");
  await a.getByTestId("message-edit-save").click();
  await message(a, "Hello after the edit").getByTestId("message-edited").waitFor();
  const seen = message(b, "Hello after the edit");
  await seen.getByTestId("message-edited").waitFor();
  assert.equal(await message(b, "Hello before the edit").count(), 0);

  // Esc leaves the editor without saving.
  await message(a, "Hello after the edit").hover();
  await message(a, "Hello after the edit").getByTestId("message-edit").click();
  await a.getByTestId("message-edit-input").fill("A draft that is dropped");
  await a.getByTestId("message-edit-input").press("Escape");
  await until(() => a.getByTestId("message-edit-input").count(), (n) => n === 0, { what: "the editor to close" });
  await message(a, "Hello after the edit").waitFor();

  // Delete asks first; the tombstone replaces the text for both.
  await send(a, "Please delete me");
  await message(b, "Please delete me").waitFor();
  const doomed = message(a, "Please delete me");
  const doomedId = await doomed.getAttribute("data-message-id");
  await doomed.hover();
  await doomed.getByTestId("message-delete").click();
  await a.getByTestId("message-delete-confirm").click();
  for (const page of [a, b]) {
    const tomb = page.locator(`[data-testid="message"][data-message-id="${doomedId}"]`);
    await tomb.getByTestId("message-deleted").waitFor();
    assert.equal(await page.locator('[data-testid="message"]').filter({ hasText: "Please delete me" }).count(), 0);
    assert.equal(await tomb.getByTestId("message-edit").count(), 0, "a tombstone cannot be edited");
  }
  // The server agrees: edited text, tombstone without its text.
  const { messages } = await rest(a, "GET", room(roomId) + "/messages?limit=10");
  const edited = messages.find((m) => m.content === "Hello after the edit");
  assert.ok(edited?.editedAt, "the edit is stored");
  const tomb = messages.find((m) => m.id === doomedId);
  assert.ok(tomb.deletedAt, "the deletion is stored");
  assert.equal(tomb.content, "");

  // After a reload the same.
  await b.reload();
  await roomLoaded(b);
  await message(b, "Hello after the edit").getByTestId("message-edited").waitFor();
  await b.locator(`[data-testid="message"][data-message-id="${doomedId}"]`).getByTestId("message-deleted").waitFor();
  await a.close();
  await b.close();
});

test("branches: regenerate and an edited question add answers, shown one at a time with ‹ k/n ›", async () => {
  const a = await desktop();
  await signUp(a, h.base, { name: "Bran Ches" });
  const b = await desktop();
  const bEmail = await signUp(b, h.base, { name: "Bo Watcher" });
  const roomId = await roomWith(a, "Branches");
  await addMember(a, roomId, bEmail, b);

  await send(a, "First question about branches");
  await answers(a).first().waitFor();
  await settled(a);
  await a.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor();
  const first = await answers(a).first().getAttribute("data-message-id");

  // Regenerate: a second branch, shown instead of the first.
  await a.getByTestId("regenerate").click();
  await until(() => a.getByTestId("branch-label").textContent().catch(() => null), (t) => t === "2/2", { what: "branch 2/2", timeout: 20000 });
  await settled(a);
  assert.equal(await answers(a).count(), 1, "one answer per question");
  const second = await answers(a).first().getAttribute("data-message-id");
  assert.notEqual(second, first);
  await until(() => b.getByTestId("branch-label").textContent().catch(() => null), (t) => t === "2/2", { what: "B sees 2/2" });

  // ‹: the first answer again, for the room (B follows).
  await a.getByTestId("branch-prev").click();
  await until(() => a.getByTestId("branch-label").textContent(), (t) => t === "1/2", { what: "branch 1/2" });
  assert.equal(await answers(a).first().getAttribute("data-message-id"), first);
  await until(() => answers(b).first().getAttribute("data-message-id"), (id) => id === first, { what: "B to show the first answer" });
  const asked1 = (await rest(a, "GET", room(roomId) + "/messages?limit=10")).messages.find((m) => m.role === "user");
  assert.equal(asked1.activeReply, first, "the room follows the chosen branch");
  await a.getByTestId("branch-next").click();
  await until(() => a.getByTestId("branch-label").textContent(), (t) => t === "2/2", { what: "branch 2/2 again" });

  // Editing the question: a third branch answers the new text; older branches show the old one.
  const q = question(a, "First question about branches");
  await q.hover();
  await q.getByTestId("message-edit").click();
  await a.getByTestId("message-edit-input").fill("Edited question about branches");
  await a.getByTestId("message-edit-save").click();
  await until(() => a.getByTestId("branch-label").textContent().catch(() => null), (t) => t === "3/3", { what: "branch 3/3", timeout: 20000 });
  await settled(a);
  await question(a, "Edited question about branches").waitFor();
  await a.getByTestId("branch-prev").click();
  await until(() => a.getByTestId("branch-label").textContent(), (t) => t === "2/3", { what: "branch 2/3" });
  const asked = a.locator('[data-testid="message"][data-role="user"]');
  await until(() => asked.first().innerText(), (t) => t.includes("First question about branches"), { what: "the question as branch 2 answered it" });
  await until(() => b.getByTestId("branch-label").textContent().catch(() => null), (t) => t === "2/3", { what: "B sees 2/3" });
  await a.getByTestId("branch-next").click();
  await until(() => asked.first().innerText(), (t) => t.includes("Edited question about branches"), { what: "the current question text" });

  const replies = await rest(a, "GET", room(roomId) + `/messages/${asked1.id}/replies`);
  assert.equal(replies.messages.length, 3, "three branches on the server");
  await a.close();
  await b.close();
});

test("export: the room downloads as Markdown and as JSON with its messages", async () => {
  const a = await desktop();
  await signUp(a, h.base, { name: "Ex Porter" });
  const roomId = await roomWith(a, "Export room", "off");
  await send(a, "A line worth exporting");
  await message(a, "A line worth exporting").waitFor();
  await until(async () => (await rest(a, "GET", room(roomId) + "/messages?limit=5")).messages.length, (n) => n >= 1, { what: "the message stored" });

  await a.getByTestId("room-menu").click();
  const [md] = await Promise.all([a.waitForEvent("download"), a.getByTestId("export-md").click()]);
  assert.match(md.suggestedFilename(), /\.md$/);
  const text = await readFile(await md.path(), "utf8");
  assert.match(text, /A line worth exporting/);

  await a.getByTestId("room-menu").click();
  const [json] = await Promise.all([a.waitForEvent("download"), a.getByTestId("export-json").click()]);
  assert.match(json.suggestedFilename(), /\.json$/);
  const body = JSON.parse(await readFile(await json.path(), "utf8"));
  assert.equal(body.room.name, "Export room");
  assert.ok(body.messages.some((m) => m.content === "A line worth exporting"));
  await a.close();
});

test("search: Korean and English messages are found, highlighted, and open their room at the message", async () => {
  const a = await desktop();
  await signUp(a, h.base, { name: "Sue Searcher" });
  // The Korean message is the first of a long room: the newest 200 (what opening the room loads)
  // do not hold it, so the room opens around it.
  const seoul = await roomWith(a, "서울 방", "off");
  await rest(a, "POST", room(seoul) + "/messages", { content: "안녕하세요 세계" });
  for (let i = 1; i <= 230; i++) await rest(a, "POST", room(seoul) + "/messages", { content: `filler ${i}` });
  // The page took in the 230 messages just posted: its read receipts must not spend the socket's
  // event budget, or joining the next room is refused (a CI run once timed out here).
  const other = await roomWith(a, "Fox room", "off");
  await send(a, "The quick brown fox jumps over the lazy dog");
  await message(a, "The quick brown fox").waitFor();

  const search = a.getByTestId("search-input");
  await search.fill("안녕");
  const hit = a.getByTestId("search-result").first();
  await hit.waitFor();
  assert.match(await hit.innerText(), /서울 방/);
  assert.match(await hit.innerText(), /Sue Searcher/);
  assert.equal(await hit.locator("mark").first().innerText(), "안녕");
  await hit.click();
  await until(() => roomIdOf(a), (id) => id === seoul, { what: "the Korean message's room" });
  const target = a.locator('[data-testid="message"][data-highlighted="true"]');
  await target.waitFor();
  assert.match(await target.innerText(), /안녕하세요 세계/);
  const inView = await target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const list = el.closest('[data-testid="message-list"]').getBoundingClientRect();
    return r.top >= list.top - 1 && r.bottom <= list.bottom + 1;
  });
  assert.ok(inView, "the message is scrolled into view");
  // The history from it to the newest is there without a hole (the page around it ends before
  // the newest 200 begin).
  await until(() => a.locator('[data-testid="message"]').count(), (n) => n === 231, { what: "all 231 messages" });
  const seqOrder = await a.locator('[data-testid="message"]').evaluateAll((els) => els.map((e) => e.innerText.split("\n").pop()));
  assert.deepEqual(seqOrder.slice(0, 3), ["안녕하세요 세계", "filler 1", "filler 2"]);
  assert.equal(seqOrder[230], "filler 230");

  // English, from another room: the fox's room opens.
  await search.fill("brown fox");
  const fox = a.getByTestId("search-result").filter({ hasText: "Fox room" }).first();
  await fox.waitFor();
  const marked = (await fox.locator("mark").allInnerTexts()).join(" ").toLowerCase();
  assert.ok(marked.includes("brown") && marked.includes("fox"), `both terms are marked: ${marked}`);
  assert.equal(await a.getByTestId("search-result").count(), 1);
  await search.press("Enter"); // the first result, from the keyboard
  await until(() => roomIdOf(a), (id) => id === other, { what: "the fox's room" });
  await a.locator('[data-testid="message"][data-highlighted="true"]').filter({ hasText: "brown fox" }).waitFor();

  // Nothing found: says so.
  await search.fill("zzzqqqxxx");
  await a.getByTestId("search-empty").waitFor();

  // Paging: more results on request.
  await search.fill("filler");
  await a.getByTestId("search-result").first().waitFor();
  const firstPage = await a.getByTestId("search-result").count();
  await a.getByTestId("search-more").click();
  await until(() => a.getByTestId("search-result").count(), (n) => n > firstPage, { what: "a second page of results" });
  await a.close();
});

test("share links: the owner makes one, another account reads it (also after signing in), revoked it is gone", async () => {
  const a = await desktop();
  await signUp(a, h.base, { name: "Sha Rer" });
  const roomId = await roomWith(a, "Shared room", "off");
  await send(a, "Text in the **snapshot**");
  await message(a, "Text in the").waitFor();

  await a.getByTestId("room-menu").click();
  await a.getByTestId("share-open").click();
  await a.getByTestId("share-create").click();
  const urlField = a.getByTestId("share-url").first();
  await urlField.waitFor();
  const url = await urlField.inputValue();
  assert.match(url, /^http/);
  const shares = (await rest(a, "GET", room(roomId) + "/shares")).shares;
  assert.equal(shares.length, 1);

  // Another account, signed in, reads the snapshot.
  const b = await desktop();
  const bEmail = await signUp(b, h.base, { name: "Reader Bee" });
  await b.goto(url);
  await b.getByTestId("share-view").waitFor();
  assert.equal(await b.getByTestId("share-room-name").innerText(), "Shared room");
  const shared = b.getByTestId("share-view").getByTestId("message");
  await shared.filter({ hasText: "Text in the" }).waitFor();
  assert.equal(await b.getByTestId("composer").count(), 0, "read-only: no composer");

  // Signed out: sign in first, then back at the snapshot (unless the server shares publicly).
  const c = await desktop();
  await c.goto(url);
  const either = async () => (await c.getByTestId("login-submit").count()) + (await c.getByTestId("share-view").count());
  await until(either, (n) => n > 0, { what: "the sign-in page or the snapshot" });
  if (await c.getByTestId("login-submit").count()) {
    await c.getByTestId("login-email").fill(bEmail);
    await c.getByTestId("login-password").fill(PASSWORD);
    await c.getByTestId("login-submit").click();
    await c.getByTestId("share-view").waitFor();
  }
  await c.getByTestId("share-view").getByTestId("message").filter({ hasText: "Text in the" }).waitFor();

  // Revoked: the link no longer opens.
  await a.getByTestId("share-revoke").first().click();
  await a.locator('[data-testid="share-item"][data-state="revoked"]').waitFor();
  await b.reload();
  await b.getByTestId("share-not-found").waitFor();
  await a.close();
  await b.close();
  await c.close();
});

test("at 360 px the header's search and room menu fit, and search results stay on screen", async () => {
  const page = await h.browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
  await signUp(page, h.base, { name: "Narrow Nan" });
  await roomLoaded(page);
  await send(page, "Narrow screens search too");
  await message(page, "Narrow screens search too").first().waitFor();
  const width = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  let o = await width();
  assert.ok(o.scroll <= o.client, `chat overflow ${JSON.stringify(o)}`);
  // The room menu holds search on a narrow screen (the header has no room for both buttons).
  await page.getByTestId("room-menu").click();
  const menu = await page.getByTestId("export-md").boundingBox();
  assert.ok(menu.x >= 0 && menu.x + menu.width <= 360, `room menu off screen: ${JSON.stringify(menu)}`);
  await page.getByTestId("search-open").click();
  await page.getByTestId("search-input").fill("Narrow");
  const result = page.getByTestId("search-result").first();
  await result.waitFor();
  const box = await page.getByTestId("search-results").boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 360, `results panel off screen: ${JSON.stringify(box)}`);
  o = await width();
  assert.ok(o.scroll <= o.client, `overflow with search open ${JSON.stringify(o)}`);
  await result.click();
  await page.locator('[data-testid="message"][data-highlighted="true"]').waitFor();
  await page.close();
});

/** axe (WCAG 2 A + AA) on the whole document; one line per failing node. */
async function audit(page, where) {
  await page.waitForTimeout(300); // let colour transitions settle
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }));
  return result.violations.flatMap((v) => v.nodes.map((n) => `[${where}] ${v.id} ${JSON.stringify(n.target)}: ${v.help}`));
}

test("accessibility (axe): branches, a tombstone, an edit, the room menu, search results, the share dialog and page", async () => {
  const failures = [];
  for (const theme of ["light", "dark"]) {
    const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: theme === "dark" ? "light" : "dark", bypassCSP: true });
    await page.addInitScript((t) => { try { localStorage.setItem("chatbot.theme", t); } catch { /* */ } }, theme);
    await signUp(page, h.base, { name: `Axe ${theme}` });
    await roomWith(page, `Axe ${theme}`);
    await send(page, `Axe question ${theme}`);
    await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 20000 });
    await settled(page);
    await page.getByTestId("regenerate").click();
    await page.getByTestId("branch-label").waitFor({ timeout: 20000 });
    await settled(page);
    await send(page, "To be deleted");
    const doomed = question(page, "To be deleted");
    await doomed.hover();
    await doomed.getByTestId("message-delete").click();
    await page.getByTestId("message-delete-confirm").click();
    await page.getByTestId("message-deleted").waitFor();
    await settled(page);
    failures.push(...await audit(page, `chat with branches / ${theme}`));

    const q = question(page, `Axe question ${theme}`);
    await q.hover();
    await q.getByTestId("message-edit").click();
    failures.push(...await audit(page, `editing / ${theme}`));
    await page.getByTestId("message-edit-input").press("Escape");

    await page.getByTestId("room-menu").click();
    failures.push(...await audit(page, `room menu / ${theme}`));
    await page.getByTestId("share-open").click();
    await page.getByTestId("share-create").click();
    await page.getByTestId("share-url").first().waitFor();
    failures.push(...await audit(page, `share dialog / ${theme}`));
    const url = await page.getByTestId("share-url").first().inputValue();
    await page.getByTestId("share-close").click();

    await page.getByTestId("search-input").fill("Axe question");
    await page.getByTestId("search-result").first().waitFor();
    failures.push(...await audit(page, `search results / ${theme}`));

    await page.goto(url);
    await page.getByTestId("share-view").waitFor();
    await page.getByTestId("branch-label").waitFor();
    failures.push(...await audit(page, `share page / ${theme}`));
    await page.close();
  }
  assert.equal(failures.length, 0, `${failures.length} accessibility violation(s):\n${failures.join("\n")}`);
});
