import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, createRoom, send } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const PAYLOAD = `<script>window.__xss=1</script><img src=x onerror="window.__xss=2">`;

test("HTML in a message is shown as text, never executed (user and assistant echo)", async () => {
  const page = await h.browser.newPage();
  await signUp(page, h.base);
  await createRoom(page, "E2E xss");
  await send(page, PAYLOAD);
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 15000 });
  await page.waitForTimeout(300);
  const user = page.locator('[data-testid="message"][data-role="user"]').first();
  assert.match(await user.innerText(), /<script>/);
  assert.equal(await page.evaluate(() => typeof window.__xss), "undefined");
  await page.reload();
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 15000 });
  await page.waitForTimeout(300);
  assert.match(await page.locator('[data-testid="message"][data-role="user"]').first().innerText(), /<script>/);
  assert.equal(await page.evaluate(() => typeof window.__xss), "undefined");
});
