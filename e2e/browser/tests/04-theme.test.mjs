import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, signUp, createRoom, send, shotsDir } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

const isDark = (page) => page.evaluate(() => document.documentElement.classList.contains("dark"));

test("the theme toggle switches html.dark and persists across a reload", async () => {
  const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  await signUp(page, h.base);
  await createRoom(page, "E2E theme");
  assert.equal(await isDark(page), false);
  await page.getByTestId("theme-toggle").click();
  assert.equal(await isDark(page), true);
  await page.reload();
  await page.getByTestId("theme-toggle").waitFor();
  assert.equal(await isDark(page), true, "dark theme lost on reload");
  await send(page, "How does the dark theme look?");
  await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 15000 });
  await page.screenshot({ path: join(shotsDir(), "chat-dark.png") });
  await page.getByTestId("theme-toggle").click();
  await page.reload();
  await page.getByTestId("theme-toggle").waitFor();
  assert.equal(await isDark(page), false, "light theme lost on reload");
});
