import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, createRoom, send } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const snapshot = (page) => page.locator('[data-testid="message"]').evaluateAll((els) =>
  els.map((e) => ({ id: e.getAttribute("data-message-id"), role: e.getAttribute("data-role"), status: e.getAttribute("data-status"), text: e.innerText })));

test("a reload shows the same messages, without duplicates", async () => {
  const page = await h.browser.newPage();
  await signUp(page, h.base);
  await createRoom(page, "E2E reload");
  await send(page, "first question");
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').nth(0).waitFor({ timeout: 15000 });
  await send(page, "second question");
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').nth(1).waitFor({ timeout: 15000 });
  const before = await snapshot(page);
  assert.equal(before.length, 4);
  await page.reload();
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').nth(1).waitFor({ timeout: 15000 });
  await page.waitForTimeout(500); // let any catch-up/duplicate arrive
  const afterReload = await snapshot(page);
  assert.deepEqual(afterReload.map((m) => [m.role, m.status]), before.map((m) => [m.role, m.status]));
  assert.deepEqual(afterReload.map((m) => m.text), before.map((m) => m.text));
  assert.equal(new Set(afterReload.map((m) => m.id)).size, afterReload.length, "duplicate message ids");
});
