// Single sign-on in the browser (docs/sso.md) against a real OpenID Connect provider run here
// (`oidc-provider`): the sign-in page's button, the provider's sign-in and consent pages, back on
// the chat with the tokens kept and wiped from the address; a refused sign-in explained on the
// sign-in page; a server with password sign-in turned off shows only the single sign-on button.
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { start, freePort } from "../lib/harness.mjs";
import { startProvider, signInAtProvider } from "../lib/oidc.mjs";

const ACCOUNTS = {
  "sso-ada": { email: "ada@sso.example.com", email_verified: true, name: "Ada Lovelace" },
  "sso-mallory": { email: "victim@example.com", email_verified: false, name: "Mallory" },
};

/** A server with single sign-on against a fresh provider; `env` adds settings. */
async function startWithSso(env = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const provider = await startProvider({ redirectUri: `${base}/api/auth/oidc/callback`, accounts: ACCOUNTS });
  try {
    const h = await start({
      port,
      env: {
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: provider.clientId,
        OIDC_CLIENT_SECRET: provider.clientSecret,
        OIDC_REDIRECT_URL: `${base}/api/auth/oidc/callback`,
        OIDC_DISPLAY_NAME: "Acme ID",
        ...env,
      },
    });
    return { ...h, provider, stop: async () => { await h.stop(); await provider.close(); } };
  } catch (err) {
    await provider.close();
    throw err;
  }
}

const tokenInAddress = (url) => /accessToken|refreshToken/.test(url);

/** The stored access token, and who /api/auth/me says it is. */
async function whoAmI(page, base) {
  const token = await page.evaluate(() => localStorage.getItem("chatbot.accessToken"));
  assert.ok(token, "an access token is stored");
  assert.ok(await page.evaluate(() => localStorage.getItem("chatbot.refreshToken")), "a refresh token is stored");
  const res = await fetch(`${base}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  const body = await res.json();
  return body.user ?? body;
}

describe("single sign-on beside passwords", () => {
  let h;
  before(async () => { h = await startWithSso(); });
  after(async () => {
    if (process.env.E2E_SERVER_LOG && h) process.stderr.write(h.log());
    await h?.stop();
  });

  test("signs in through the provider and lands on the chat; the tokens leave the address at once", async () => {
    const page = await h.browser.newPage({ viewport: { width: 1280, height: 800 }, colorScheme: "light" });
    await page.goto(h.base + "/");
    const button = page.getByTestId("sso-signin");
    await button.waitFor();
    assert.equal((await button.textContent()).trim(), "Sign in with Acme ID");
    // Passwords are still on: the form and the sign-up link are there too.
    await page.getByTestId("login-email").waitFor();
    assert.equal(await page.locator('a[href="#/signup"]').count(), 1);

    // Every address the page is at from here on (a token must never be left in one).
    const addresses = [];
    page.on("framenavigated", (frame) => { if (frame === page.mainFrame()) addresses.push(frame.url()); });
    await button.click();
    await signInAtProvider(page, h.provider.issuer, "sso-ada");
    await page.getByTestId("composer").waitFor();
    await page.getByTestId("room-item").first().waitFor();

    const url = new URL(page.url());
    assert.equal(url.origin, h.base);
    assert.equal(url.pathname, "/", `the landing page is replaced: ${url}`);
    assert.ok(!tokenInAddress(url.href), `no token in the address: ${url}`);
    // It went through the landing page, whose address (with the tokens) is gone.
    assert.ok(addresses.some((a) => a.startsWith(`${h.base}/auth/sso`)), `landed on /auth/sso: ${addresses.join("\n")}`);
    assert.ok(!tokenInAddress(await page.evaluate(() => location.href)));

    const me = await whoAmI(page, h.base);
    assert.equal(me.email, "ada@sso.example.com");
    assert.equal(me.name, "Ada Lovelace");

    await page.reload();
    await page.getByTestId("composer").waitFor();
    assert.equal((await whoAmI(page, h.base)).id, me.id, "still signed in after a reload");
    assert.equal(await page.getByTestId("sso-signin").count(), 0);
    await page.close();
  });

  test("goes back to the page that sent the user to sign in", async () => {
    const page = await h.browser.newPage(); // its own context: signed out, no provider session
    await page.goto(h.base + "/");
    await page.getByTestId("sso-signin").waitFor();
    // As a share link opened while signed out does (lib/returnTo.ts): this tab, this site.
    await page.evaluate(() => sessionStorage.setItem("chatbot.returnTo", "/account"));
    await page.getByTestId("sso-signin").click();
    await signInAtProvider(page, h.provider.issuer, "sso-ada");
    await page.getByTestId("account-page").waitFor();
    assert.equal(await page.evaluate(() => location.hash), "#/account");
    assert.ok(!tokenInAddress(page.url()));
    assert.equal((await whoAmI(page, h.base)).email, "ada@sso.example.com");
    await page.close();
  });

  test("an unverified email address is refused, and the sign-in page says why (English and Korean)", async () => {
    const page = await h.browser.newPage();
    await page.goto(h.base + "/#/login");
    await page.getByTestId("sso-signin").click();
    await signInAtProvider(page, h.provider.issuer, "sso-mallory");
    const error = page.getByTestId("sso-error");
    await error.waitFor();
    assert.equal(await error.getAttribute("data-reason"), "unverified_email");
    assert.match(await error.textContent(), /email address is not verified/);
    assert.equal(await error.getAttribute("role"), "alert");
    // Back on the sign-in page, signed out, with the reason gone from the address.
    await page.getByTestId("login-email").waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem("chatbot.accessToken")), null);
    const url = new URL(page.url());
    assert.equal(url.pathname, "/");
    assert.equal(url.search, "");
    assert.equal(url.hash, "#/login");
    await page.reload();
    await page.getByTestId("sso-signin").waitFor();
    assert.equal(await page.getByTestId("sso-error").count(), 0, "shown once, not again after a reload");

    // In Korean, for another reason the server names.
    await page.evaluate(() => localStorage.setItem("chatbot.lang", "ko"));
    await page.goto(h.base + "/login?ssoError=deactivated");
    await page.getByTestId("sso-error").waitFor();
    assert.equal((await page.getByTestId("sso-error").textContent()).trim(), "비활성화된 계정입니다. 관리자에게 문의하세요.");
    assert.equal((await page.getByTestId("sso-signin").textContent()).trim(), "Acme ID(으)로 로그인");
    await page.close();
  });
});

describe("single sign-on only (CHATBOT_PASSWORD_LOGIN=false)", () => {
  let h;
  before(async () => { h = await startWithSso({ CHATBOT_PASSWORD_LOGIN: "false" }); });
  after(async () => {
    if (process.env.E2E_SERVER_LOG && h) process.stderr.write(h.log());
    await h?.stop();
  });

  test("the sign-in and sign-up pages offer only the provider, and it signs in", async () => {
    const page = await h.browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(h.base + "/");
    await page.getByTestId("sso-signin").waitFor();
    assert.equal(await page.getByTestId("login-email").count(), 0, "no password form");
    assert.equal(await page.getByTestId("login-password").count(), 0);
    assert.equal(await page.getByTestId("login-submit").count(), 0);
    assert.equal(await page.locator('a[href="#/signup"]').count(), 0, "no sign-up link");

    await page.goto(h.base + "/#/signup");
    await page.getByTestId("signup-sso-only").waitFor();
    assert.match(await page.getByTestId("signup-sso-only").textContent(), /signing in with Acme ID/);
    assert.equal(await page.getByTestId("signup-email").count(), 0, "no sign-up form");
    assert.equal(await page.getByTestId("signup-submit").count(), 0);

    await page.getByTestId("sso-signin").click();
    await signInAtProvider(page, h.provider.issuer, "sso-ada");
    await page.getByTestId("composer").waitFor();
    assert.ok(!tokenInAddress(page.url()));
    assert.equal((await whoAmI(page, h.base)).email, "ada@sso.example.com");
    await page.close();
  });
});
