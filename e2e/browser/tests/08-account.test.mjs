import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { start, signUp, signIn, until, shotsDir } from "../lib/harness.mjs";

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

test("account: two devices are listed; signing the other one out sends it back to sign-in at once", async () => {
  const here = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
  const email = await signUp(here, h.base, { name: "Sam Sessions" });
  const there = await h.browser.newPage(); // its own browser context: another device
  await signIn(there, h.base, email);

  await here.getByTestId("account-link").click();
  await here.getByTestId("account-email").filter({ hasText: email }).waitFor();
  const sessions = here.getByTestId("session-item");
  await sessions.nth(1).waitFor();
  assert.equal(await sessions.count(), 2);
  assert.equal(await here.locator('[data-testid="session-item"][data-current="true"]').count(), 1);
  await here.screenshot({ path: join(shotsDir(), "account.png") });

  await here.locator('[data-testid="session-item"][data-current="false"]').getByTestId("session-revoke").click();
  await until(() => sessions.count(), (n) => n === 1, { what: "one session left" });
  assert.equal(await sessions.first().getAttribute("data-current"), "true");

  // The other device is told at once (sessionRevoked): back on the sign-in page without a reload,
  // saying why, with its tokens gone.
  await there.getByTestId("login-email").waitFor();
  await there.locator('[data-testid="notice"][data-notice="signedOutElsewhere"]').filter({ hasText: "signed out from another device" }).waitFor();
  assert.equal(await there.evaluate(() => localStorage.getItem("chatbot.refreshToken")), null);
  assert.equal(await there.evaluate(() => location.hash), "#/login");
  // And stays there after a reload (its session is gone on the server too).
  await there.reload();
  await there.getByTestId("login-email").waitFor();

  // This device is still signed in.
  await here.reload();
  await here.getByTestId("account-page").waitFor();
  await sessions.first().waitFor();
  assert.equal(await sessions.count(), 1);
});
