// The admin console (#/admin…): the dashboard shows the numbers the API gives for the data seeded
// here, users (search, budgets that survive a reload, deactivation), rooms and a conversation,
// usage with its CSV, the audit log and failed answers; every page passes axe in both themes
// and fits 360 px; a plain user gets no link and a "forbidden" page.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { start, signUp, signIn, send, goTo, roomLoaded, until, shotsDir, PASSWORD } from "../lib/harness.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let h;
/** The seeded world: the admin (first account), three users made over the API, their rooms. */
const w = {};

/** A REST call; returns the parsed body (fails the test on an error status). */
async function rest(token, method, path, body) {
  const res = await fetch(h.base + "/api" + path, {
    method,
    headers: {
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** An account made over the API. */
async function register(name) {
  const email = `admin-e2e-${process.pid}-${Date.now()}-${name.toLowerCase().replace(/\W+/g, "-")}@example.com`;
  const body = await rest(null, "POST", "/auth/register", { email, name, password: PASSWORD });
  return { email, name, id: body.user.id, token: body.accessToken };
}

async function createRoom(token, name, aiMode) {
  const body = await rest(token, "POST", "/rooms", { name });
  const id = body.room?.id ?? body.id;
  if (aiMode) await rest(token, "PATCH", `/rooms/${encodeURIComponent(id)}`, { aiMode });
  return id;
}

const post = (token, roomId, content) => rest(token, "POST", `/rooms/${encodeURIComponent(roomId)}/messages`, { content });

/** A page (its own browser context) in `theme` from the first load (the system scheme is the
 *  opposite one, so the stored preference is what takes effect). */
async function themedPage(theme, viewport = { width: 1280, height: 900 }, extra = {}) {
  const page = await h.browser.newPage({ viewport, colorScheme: theme === "dark" ? "light" : "dark", ...extra });
  await page.addInitScript((t) => { try { localStorage.setItem("chatbot.theme", t); } catch { /* */ } }, theme);
  return page;
}

const attrs = (locator, ...names) =>
  locator.evaluateAll((els, names) => els.map((e) => Object.fromEntries(names.map((n) => [n, e.getAttribute(n)]))), names);

/** Opens an admin page through its navigation link and waits for what shows it has loaded. */
async function openPage(page, name, ready) {
  await page.getByTestId(`admin-nav-${name}`).click();
  await page.locator(`[data-testid="admin-page"][data-page="${name}"]`).waitFor();
  if (ready) await page.locator(ready).first().waitFor();
}

before(async () => {
  h = await start();
  // The first account on a fresh server is an admin: signed up through the page, and its first
  // question (over Socket.IO) gets a demo-model answer, so that usage exists.
  const page = await themedPage("light");
  w.adminEmail = await signUp(page, h.base, { name: "Ada Admin" });
  await roomLoaded(page);
  await send(page, "Hello from the admin console test");
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 20000 });
  w.adminToken = await page.evaluate(() => localStorage.getItem("chatbot.accessToken"));
  await page.close();

  w.bob = await register("Bob Budget");
  w.cara = await register("Cara Closed");
  w.dan = await register("Dan Denied");
  // Bob's room: two questions, no assistant. Another of his rooms is deleted from the console.
  w.bobRoom = await createRoom(w.bob.token, "Budget room", "off");
  await post(w.bob.token, w.bobRoom, "first seeded message");
  await post(w.bob.token, w.bobRoom, "second seeded message");
  w.doomedRoom = await createRoom(w.bob.token, "Doomed room", "off");
  // Dan has a daily token budget of 0: his question's answer fails (a row on the errors page).
  await rest(w.adminToken, "PATCH", `/admin/users/${w.dan.id}`, { dailyTokenBudget: 0 });
  w.danRoom = await createRoom(w.dan.token, "Denied room");
  await post(w.dan.token, w.danRoom, "please answer me");
  w.questions = 4; // one over the socket, three over REST

  // Nothing moves any more: no answer streaming or waiting, Dan's failure recorded.
  await until(async () => {
    const [d, e] = await Promise.all([rest(w.adminToken, "GET", "/admin/dashboard?days=14"), rest(w.adminToken, "GET", "/admin/errors")]);
    return { streams: d.live.streams, queued: d.live.queued, errors: e.errors.length };
  }, (v) => v.streams === 0 && v.queued === 0 && v.errors >= 1, { timeout: 20000, what: "the seeded answers to settle" });
});
after(async () => { await h?.stop(); });

test("admin console: the dashboard shows the API's numbers for the seeded data, in cards and charts", async () => {
  const page = await themedPage("light");
  await signIn(page, h.base, w.adminEmail);
  await page.getByTestId("admin-link").click();
  await page.locator('[data-testid="admin-page"][data-page="dashboard"]').waitFor();
  await page.getByTestId("admin-dashboard").waitFor();
  const api = await rest(w.adminToken, "GET", "/admin/dashboard?days=14");

  const card = (name) => page.getByTestId(`admin-card-${name}`).getAttribute("data-value").then(Number);
  assert.equal(await card("users"), api.users.total);
  assert.equal(api.users.total, 4);
  assert.equal(await card("active24h"), api.users.active24h);
  assert.equal(await card("active7d"), api.users.active7d);
  assert.equal(await card("rooms"), api.rooms.total);
  assert.equal(await card("messages"), api.messages.total);
  for (const name of ["connections", "streams"]) assert.ok(Number.isInteger(await card(name)), name);

  const byDay = Object.fromEntries(api.days.map((d) => [d.day, d]));
  const bars = async (name) => (await attrs(page.getByTestId(`chart-${name}-bar`), "data-label", "data-value", "data-series"))
    .map((b) => ({ label: b["data-label"], value: Number(b["data-value"]), series: b["data-series"] }));

  const messages = await bars("messages");
  assert.equal(messages.length, 14, "one bar per day of the window");
  assert.deepEqual(messages.map((b) => b.label), api.days.map((d) => d.day), "oldest first, every day");
  for (const b of messages) assert.equal(b.value, byDay[b.label].messages, b.label);
  const sum = messages.reduce((s, b) => s + b.value, 0);
  assert.equal(sum, api.days.reduce((s, d) => s + d.messages, 0));
  assert.ok(sum >= w.questions, `messages per day add up to at least the ${w.questions} questions sent (${sum})`);

  const tokens = await bars("tokens");
  assert.equal(tokens.length, 28, "input and output for each day");
  for (const b of tokens) assert.equal(b.value, byDay[b.label][b.series === "input" ? "inputTokens" : "outputTokens"], `${b.label} ${b.series}`);
  assert.ok(tokens.some((b) => b.value > 0), "the demo answer's tokens are counted");

  const cost = await bars("cost");
  assert.equal(cost.length, 14);
  for (const b of cost) assert.equal(b.value, byDay[b.label].costMicros, b.label);

  const models = await bars("models");
  assert.equal(models.length, api.models.length);
  assert.ok(models.length >= 1, "the demo model answered");
  for (const m of api.models) assert.equal(models.find((b) => b.label === m.model)?.value, m.answers, m.model);
  // Each bar says what it is on hover.
  assert.match(await page.getByTestId("chart-messages-bar").last().locator("title").textContent(), /\d/);
  await page.close();
});

test("admin console: users are searched, given budgets that survive a reload, and deactivated", async () => {
  const page = await themedPage("light");
  await signIn(page, h.base, w.adminEmail);
  await goTo(page, "/admin");
  await openPage(page, "users", '[data-testid="admin-user-row"]');
  const rows = page.getByTestId("admin-user-row");
  await until(() => rows.count(), (n) => n === 4, { what: "the four accounts" });

  const search = async (text, email) => {
    await page.getByTestId("admin-search").fill(text);
    await until(() => attrs(rows, "data-email"), (r) => r.length === 1 && r[0]["data-email"] === email, { what: `only ${email}` });
  };
  await search("Budget", w.bob.email);
  const bob = rows.first();
  await bob.getByTestId("admin-user-token-budget").fill("50000");
  await bob.getByTestId("admin-user-cost-budget").fill("2.5");
  await bob.getByTestId("admin-user-save").click();
  await until(async () => (await rest(w.adminToken, "GET", "/admin/users?search=Budget")).users[0],
    (u) => u.dailyTokenBudget === 50000 && u.dailyCostBudget === 2_500_000, { what: "Bob's budgets on the server (cost in micro-dollars)" });

  await page.reload();
  await page.getByTestId("admin-user-row").first().waitFor();
  await search("Budget", w.bob.email);
  assert.equal(await rows.first().getByTestId("admin-user-token-budget").inputValue(), "50000");
  assert.equal(await rows.first().getByTestId("admin-user-cost-budget").inputValue(), "2.5");

  // Deactivation asks first, then takes effect: Cara can no longer sign in.
  await search("Closed", w.cara.email);
  await rows.first().getByTestId("admin-user-deactivate").click();
  await rows.first().getByTestId("admin-user-confirm").click();
  await page.locator(`[data-testid="admin-user-row"][data-email="${w.cara.email}"][data-active="false"]`).waitFor();
  const users = (await rest(w.adminToken, "GET", "/admin/users?search=Closed")).users;
  assert.equal(users[0].isActive, false);
  const login = await fetch(h.base + "/api/auth/login", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: w.cara.email, password: PASSWORD }),
  });
  assert.equal(login.status, 403, "a deactivated account cannot sign in");

  // An admin cannot deactivate themself: the server refuses (409) and the page says why.
  await search(w.adminEmail, w.adminEmail);
  await rows.first().getByTestId("admin-user-deactivate").click();
  await rows.first().getByTestId("admin-user-confirm").click();
  await rows.first().getByTestId("admin-user-error").filter({ hasText: "You cannot deactivate your own account." }).waitFor();
  assert.equal(await rows.first().getAttribute("data-active"), "true");
  await page.close();
});

test("admin console: rooms, a conversation, deleting a room, usage with its CSV, the audit log and failed answers", async () => {
  const page = await themedPage("light");
  await signIn(page, h.base, w.adminEmail);
  await goTo(page, "/admin");

  // Rooms: search, open Bob's conversation (oldest first).
  await openPage(page, "rooms", '[data-testid="admin-room-row"]');
  await page.getByTestId("admin-search").fill("Budget room");
  const roomRow = page.locator(`[data-testid="admin-room-row"][data-room-id="${w.bobRoom}"]`);
  await until(() => page.getByTestId("admin-room-row").count(), (n) => n === 1, { what: "one room found" });
  assert.match(await roomRow.innerText(), /Bob Budget/);
  await roomRow.getByTestId("admin-room-open").click();
  await page.locator('[data-testid="admin-page"][data-page="thread"]').waitFor();
  const thread = page.getByTestId("admin-thread-message");
  await until(() => thread.count(), (n) => n === 2, { what: "Bob's two messages" });
  const texts = await thread.allInnerTexts();
  assert.match(texts[0], /first seeded message/);
  assert.match(texts[1], /second seeded message/);
  assert.deepEqual((await attrs(thread, "data-role")).map((a) => a["data-role"]), ["user", "user"]);

  // The general room holds the admin's question and the demo model's answer.
  await goTo(page, "/admin/rooms/general");
  const answer = page.locator('[data-testid="admin-thread-message"][data-role="assistant"][data-status="complete"]').first();
  await answer.waitFor();
  // Plain text by default (the Markdown source shows); formatted on request, with the chat's renderer.
  assert.match(await answer.innerText(), /```/);
  await page.getByTestId("admin-thread-markdown").check();
  await answer.locator("pre code").waitFor();

  // Deleting a room asks first.
  await openPage(page, "rooms", '[data-testid="admin-room-row"]');
  await page.getByTestId("admin-search").fill("Doomed");
  const doomed = page.locator(`[data-testid="admin-room-row"][data-room-id="${w.doomedRoom}"]`);
  await doomed.getByTestId("admin-room-delete").click();
  await doomed.getByTestId("admin-room-delete-confirm").click();
  await until(() => doomed.count(), (n) => n === 0, { what: "the deleted room to go" });
  assert.equal((await rest(w.adminToken, "GET", "/admin/rooms?search=Doomed")).rooms.length, 0);

  // Usage: the totals row is the API's, and the CSV downloads with the bearer token.
  await openPage(page, "usage", '[data-testid="admin-usage-row"]');
  const from = await page.getByTestId("admin-usage-from").inputValue();
  const to = await page.getByTestId("admin-usage-to").inputValue();
  const report = await rest(w.adminToken, "GET", `/admin/usage?groupBy=user&from=${from}&to=${to}`);
  assert.equal(Number(await page.getByTestId("admin-usage-total").getAttribute("data-answers")), report.totals.answers);
  assert.equal(await page.getByTestId("admin-usage-row").count(), report.rows.length);
  await page.getByTestId("admin-usage-group").selectOption("model");
  await page.locator('[data-testid="admin-usage"][data-group="model"]').waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("admin-usage-csv").click()]);
  assert.equal(download.suggestedFilename(), `usage-model-${from}-${to}.csv`);
  const csv = await readFile(await download.path(), "utf8");
  const header = csv.split(/\r?\n/)[0];
  assert.match(header, /^key,label,answers,input_tokens,output_tokens,/);
  const direct = await fetch(`${h.base}/api/admin/usage?groupBy=model&from=${from}&to=${to}&format=csv`, { headers: { authorization: `Bearer ${w.adminToken}` } });
  assert.equal(csv, await direct.text(), "the downloaded file is the server's CSV");

  // Audit: Cara's deactivation (previous test) and the room deletion are there, newest first.
  await openPage(page, "audit", '[data-testid="admin-audit-row"]');
  await page.getByTestId("admin-audit-action").fill("user.deactivated");
  await page.getByTestId("admin-audit-apply").click();
  const auditRows = page.getByTestId("admin-audit-row");
  const entries = await until(() => attrs(auditRows, "data-action", "data-target"),
    (r) => r.length >= 1 && r.every((a) => a["data-action"] === "user.deactivated"), { what: "only deactivations" });
  assert.ok(entries.some((a) => a["data-target"].includes(w.cara.id)), `Cara's deactivation: ${JSON.stringify(entries)}`);
  await page.getByTestId("admin-audit-action").fill("room.deleted");
  await page.getByTestId("admin-audit-apply").click();
  await until(() => attrs(auditRows, "data-action"), (r) => r.length >= 1 && r.every((a) => a["data-action"] === "room.deleted"), { what: "the room deletion" });

  // Errors: Dan's answer, refused by his budget of 0 tokens.
  await openPage(page, "errors", '[data-testid="admin-error-row"]');
  const errors = (await rest(w.adminToken, "GET", "/admin/errors")).errors;
  assert.equal(await page.getByTestId("admin-error-row").count(), errors.length);
  await page.locator(`[data-testid="admin-error-row"][data-room-id="${w.danRoom}"][data-code="quota_exceeded"]`).waitFor();
  await page.close();
});

/** Runs axe (WCAG 2 A + AA) on the document; one line per failing node. */
async function audit(page, where, theme) {
  const dark = await page.evaluate(() => document.documentElement.classList.contains("dark"));
  assert.equal(dark, theme === "dark", `${where}: expected the ${theme} theme`);
  await page.waitForTimeout(300); // let colour transitions settle
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }));
  const lines = [];
  for (const v of result.violations) {
    for (const node of v.nodes) {
      lines.push(`[${where} / ${theme}] ${v.id} (${node.impact ?? v.impact}) ${JSON.stringify(node.target)}: ${v.help}` +
        (node.failureSummary ? `\n    ${node.failureSummary.replace(/\n/g, "\n    ")}` : ""));
    }
  }
  return lines;
}

const PAGES = [
  ["dashboard", "/admin", '[data-testid="chart-models-bar"]'],
  ["users", "/admin/users", '[data-testid="admin-user-row"]'],
  ["rooms", "/admin/rooms", '[data-testid="admin-room-row"]'],
  ["thread", null, '[data-testid="admin-thread-message"]'],
  ["usage", "/admin/usage", '[data-testid="admin-usage-row"]'],
  ["audit", "/admin/audit", '[data-testid="admin-audit-row"]'],
  ["errors", "/admin/errors", '[data-testid="admin-error-row"]'],
];

for (const theme of ["light", "dark"]) {
  test(`admin console: every page passes axe (WCAG 2 A/AA) in the ${theme} theme`, async () => {
    const page = await themedPage(theme, { width: 1280, height: 900 }, { bypassCSP: true });
    await signIn(page, h.base, w.adminEmail);
    const failures = [];
    for (const [name, path, ready] of PAGES) {
      await goTo(page, path ?? `/admin/rooms/${encodeURIComponent(w.bobRoom)}`);
      await page.locator(`[data-testid="admin-page"][data-page="${name}"]`).waitFor();
      await page.locator(ready).first().waitFor();
      failures.push(...await audit(page, `admin ${name}`, theme));
    }
    await page.close();
    assert.equal(failures.length, 0, `${failures.length} accessibility violation(s):\n${failures.join("\n")}`);
  });
}

test("admin console at 360 px: no page scrolls sideways (tables scroll inside themselves)", async () => {
  const page = await themedPage("light", { width: 360, height: 740 }, { isMobile: true, hasTouch: true });
  await signIn(page, h.base, w.adminEmail);
  for (const [name, path, ready] of PAGES) {
    await goTo(page, path ?? `/admin/rooms/${encodeURIComponent(w.bobRoom)}`);
    await page.locator(`[data-testid="admin-page"][data-page="${name}"]`).waitFor();
    await page.locator(ready).first().waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${name}: the page is ${width} px wide`);
    if (name === "dashboard") {
      // The page scrolls inside <main>: a viewport as tall as the content shows all of it.
      const height = await page.getByTestId("admin-page").evaluate((m) => Math.ceil(m.getBoundingClientRect().top + m.scrollHeight));
      await page.setViewportSize({ width: 360, height });
      await page.screenshot({ path: join(shotsDir(), "admin-dashboard.png") });
      await page.setViewportSize({ width: 360, height: 740 });
    }
  }
  await page.close();
});

test("a plain user gets no admin link, a forbidden page, and 403 from the admin API", async () => {
  const page = await themedPage("light");
  await signUp(page, h.base, { name: "Pat Plain" });
  await roomLoaded(page);
  assert.equal(await page.getByTestId("admin-link").count(), 0);
  for (const path of ["/admin", "/admin/users", "/admin/audit"]) {
    await goTo(page, path);
    await page.getByTestId("admin-forbidden").filter({ hasText: "for administrators" }).waitFor();
    assert.equal(await page.getByTestId("admin-nav-users").count(), 0, "no admin navigation");
  }
  const token = await page.evaluate(() => localStorage.getItem("chatbot.accessToken"));
  for (const path of ["/admin/dashboard", "/admin/users", "/admin/rooms", "/admin/usage?groupBy=day", "/admin/audit", "/admin/errors"]) {
    const res = await fetch(h.base + "/api" + path, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 403, path);
  }
  await page.close();
});
