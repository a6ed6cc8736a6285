// WCAG 2 A/AA automated checks (axe-core) on every page of the app, in the light and dark themes.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { start, signUp, createRoom, send, roomIdOf, goTo, roomLoaded, until } from "../lib/harness.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let h;
before(async () => { h = await start(); });
after(async () => { await h?.stop(); });

/** A page (its own browser context) whose persisted theme preference is `theme` from the first load.
 *  (The system scheme is the opposite one, so the stored preference is what takes effect; the CSP is
 *  bypassed only so that axe can be injected as an inline script.) */
async function themedPage(theme) {
  const page = await h.browser.newPage({
    viewport: { width: 1280, height: 800 },
    colorScheme: theme === "dark" ? "light" : "dark",
    bypassCSP: true,
  });
  await page.addInitScript((t) => { try { localStorage.setItem("chatbot.theme", t); } catch { /* */ } }, theme);
  return page;
}

/** Runs axe (WCAG 2 A + AA rules) on the whole document; returns one line per failing node. */
async function audit(page, where, theme) {
  const dark = await page.evaluate(() => document.documentElement.classList.contains("dark"));
  assert.equal(dark, theme === "dark", `${where}: expected the ${theme} theme`);
  await page.waitForTimeout(400); // let colour transitions settle
  if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa"] } }));
  const lines = [];
  for (const v of result.violations) {
    for (const node of v.nodes) {
      lines.push(`[${where} / ${theme}] ${v.id} (${node.impact ?? v.impact}) ${JSON.stringify(node.target)}: ${v.help}` +
        (node.failureSummary ? `\n    ${node.failureSummary.replace(/\n/g, "\n    ")}` : ""));
    }
  }
  return lines;
}

for (const theme of ["light", "dark"]) {
  test(`accessibility (axe, WCAG 2 A/AA): every page in the ${theme} theme`, async () => {
    const failures = [];

    // Signed out: the sign-in and sign-up pages.
    const out = await themedPage(theme);
    await out.goto(h.base + "/#/login");
    await out.getByTestId("login-submit").waitFor();
    failures.push(...await audit(out, "sign-in", theme));
    await goTo(out, "/signup");
    await out.getByTestId("signup-submit").waitFor();
    failures.push(...await audit(out, "sign-up", theme));
    await out.close();

    // Signed in: a room with a finished demo answer, its settings, the account page.
    const page = await themedPage(theme);
    await signUp(page, h.base, { name: `A11y ${theme}` });
    await createRoom(page, `A11y ${theme}`);
    await roomLoaded(page);
    await send(page, "Show me a short list and a code example, please.");
    await page.locator('[data-testid="message"][data-role="assistant"][data-status="complete"]').first().waitFor({ timeout: 20000 });
    await until(() => page.getByTestId("stop").count(), (n) => n === 0, { what: "the stop button to go" });
    // The answer's code block is highlighted (the lazy markdown renderer), so its token colours are checked too.
    await page.locator('[data-testid="message"][data-role="assistant"] pre code [class*="hljs-"]').first().waitFor();
    failures.push(...await audit(page, "chat", theme));

    const roomId = await roomIdOf(page);
    await goTo(page, `/r/${encodeURIComponent(roomId)}/settings`);
    await page.getByTestId("room-settings-page").waitFor();
    await until(() => page.getByTestId("settings-name").inputValue(), (v) => v === `A11y ${theme}`, { what: "the settings form" });
    await page.getByTestId("member-item").first().waitFor();
    failures.push(...await audit(page, "room settings", theme));

    await goTo(page, "/account");
    await page.getByTestId("account-page").waitFor();
    await page.getByTestId("session-item").first().waitFor();
    failures.push(...await audit(page, "account", theme));
    await page.close();

    assert.equal(failures.length, 0, `${failures.length} accessibility violation(s):\n${failures.join("\n")}`);
  });
}
