import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, signUp, createRoom, send, assistant, shotsDir } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

test("sign up, create a room, send: the assistant streams then completes a demo answer", async () => {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  await signUp(page, h.base);
  await createRoom(page, "E2E send");
  await send(page, "Hello from the browser");
  const a = assistant(page).last();
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="streaming"]').first().waitFor({ timeout: 10000 });
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 15000 });
  assert.match(await a.innerText(), /Demo/);
  assert.equal(await page.locator('[data-testid="message"][data-role="user"]').count(), 1);
  await page.screenshot({ path: join(shotsDir(), "chat-light.png") });
});
