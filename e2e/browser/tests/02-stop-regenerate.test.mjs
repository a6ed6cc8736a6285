import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { start, signUp, createRoom, send, assistant } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

test("Esc stops a streaming answer; regenerate produces a new complete answer", async () => {
  const page = await h.browser.newPage();
  await signUp(page, h.base);
  await createRoom(page, "E2E stop");
  await page.getByTestId("composer").fill("Please stop me");
  await page.getByTestId("composer").press("Enter");
  await page.getByTestId("stop").waitFor({ timeout: 10000 });
  await page.getByTestId("composer").press("Escape");
  const stopped = page.locator('[data-testid="message"][data-role="assistant"][data-status="stopped"]');
  await stopped.first().waitFor({ timeout: 10000 });
  const stoppedId = await stopped.first().getAttribute("data-message-id");
  await page.getByTestId("regenerate").click();
  const complete = page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]');
  await complete.first().waitFor({ timeout: 15000 });
  const newId = await complete.first().getAttribute("data-message-id");
  assert.notEqual(newId, stoppedId);
  assert.match(await complete.first().innerText(), /Demo/);
});
