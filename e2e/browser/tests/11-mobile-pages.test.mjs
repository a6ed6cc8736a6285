import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, signUp, shotsDir } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const overflow = (page) => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));

test("at 360x740 the room settings and account pages have no horizontal overflow", async () => {
  const page = await h.browser.newPage({ viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true, colorScheme: "dark" });
  await signUp(page, h.base, { name: "A fairly long display name for a narrow screen" });
  let o = await overflow(page);
  assert.ok(o.scroll <= o.client, `chat overflow ${JSON.stringify(o)}`);

  await page.getByTestId("room-settings").click(); // the built-in general room
  await page.getByTestId("member-item").first().waitFor();
  o = await overflow(page);
  assert.ok(o.scroll <= o.client, `room settings overflow ${JSON.stringify(o)}`);
  await page.screenshot({ path: join(shotsDir(), "room-settings-mobile.png") });

  await page.getByTestId("account-link").click();
  await page.getByTestId("session-item").first().waitFor();
  o = await overflow(page);
  assert.ok(o.scroll <= o.client, `account overflow ${JSON.stringify(o)}`);
});
