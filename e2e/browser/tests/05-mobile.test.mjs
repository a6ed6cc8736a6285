import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, signUp, send, shotsDir } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const overflow = (page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

test("at 375x812 the chat screen has no horizontal overflow", async () => {
  const page = await h.browser.newPage({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true, colorScheme: "light" });
  await signUp(page, h.base);
  let o = await overflow(page);
  assert.ok(o.scroll <= o.client, `sign-in/chat overflow ${JSON.stringify(o)}`);
  await page.getByTestId("composer").waitFor();
  await send(page, "A long line to check wrapping: " + "supercalifragilisticexpialidocious".repeat(4));
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 15000 });
  o = await overflow(page);
  assert.ok(o.scroll <= o.client, `chat overflow ${JSON.stringify(o)}`);
  await page.screenshot({ path: join(shotsDir(), "chat-mobile.png") });
});
