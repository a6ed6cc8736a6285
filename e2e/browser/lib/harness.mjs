// Shared harness: starts the real server binary and the system Chromium (playwright-core).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, homedir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const SHOTS = join(ROOT, "docs", "screenshots");
const CHROMIUM = process.env.CHROMIUM_BIN || "/usr/bin/chromium";
const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), ".cache", "chatbot-socket", "target");
const BIN = process.env.CHATBOT_BIN || join(TARGET, "debug", "chatbot");

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

/** Starts the server and Chromium. `port`: the server's (when a setting must name it before it
 *  starts, such as single sign-on's callback URL), else a free one; `env`: more settings. */
export async function start({ port: fixedPort, env: extra = {} } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  if (!existsSync(BIN)) throw new Error(`server binary not found at ${BIN} (make web && cargo build --bin chatbot)`);
  const port = fixedPort ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), "chatbot-browser-e2e-"));
  const env = {
    PATH: process.env.PATH, HOME: dir,
    DATABASE_URL: `sqlite://${dir}/db`,
    JWT_SECRET: "browser-e2e-secret-browser-e2e-secret-01",
    LISTEN_ADDR: `127.0.0.1:${port}`,
    CHATBOT_DEMO_PACE: "20ms",
    CHATBOT_REGISTRATIONS_PER_IP: "1000",
    // Some tests set the scene by posting hundreds of messages over REST.
    CHATBOT_SEND_RATE: "1000",
    ...extra,
  };
  const server = spawn(BIN, [], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  server.stdout.on("data", (d) => (log += d));
  server.stderr.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`server exited (${server.exitCode}):\n${log}`);
    try { if ((await fetch(base + "/healthz")).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline) { server.kill("SIGTERM"); throw new Error(`server not healthy in 20 s:\n${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const stop = async () => {
    await browser.close().catch(() => {});
    if (server.exitCode === null) {
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { base, browser, stop, log: () => log };
}

let n = 0;
export const PASSWORD = "a long enough password";

/** Signs up a fresh account through the UI and waits for the chat screen. */
export async function signUp(page, base, { name = "Browser E2E" } = {}) {
  const email = `e2e-${process.pid}-${Date.now()}-${n++}@example.com`;
  await page.goto(base + "/#/signup");
  await page.getByTestId("signup-email").fill(email);
  await page.getByTestId("signup-name").fill(name);
  await page.getByTestId("signup-password").fill(PASSWORD);
  await page.getByTestId("signup-submit").click();
  await page.getByTestId("composer").waitFor(); // lands in `general` (new-room sits in the drawer on mobile)
  return email;
}

/** Signs in to an existing account through the UI and waits for the chat screen. */
export async function signIn(page, base, email) {
  await page.goto(base + "/#/login");
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(PASSWORD);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("composer").waitFor();
}

/** The id of the room open in the page (from its #/r/<id> address). */
export async function roomIdOf(page) {
  const hash = await page.evaluate(() => location.hash);
  const m = /^#\/r\/([^/]+)/.exec(hash);
  if (!m) throw new Error(`no room open (location.hash = ${hash})`);
  return decodeURIComponent(m[1]);
}

/** Goes to an app route (e.g. "/account") without reloading the page. */
export async function goTo(page, path) {
  await page.evaluate((p) => { location.hash = p; }, path);
}

/** Waits until the open room's history has arrived (its join was answered). */
export async function roomLoaded(page) {
  await page.locator('[data-testid="message-list"][data-loaded="true"]').waitFor();
}

/** Polls `read` until `check(value)` holds (for values, such as counts and input values, that
 *  have no element to wait for); fails with the last value after `timeout` ms. */
export async function until(read, check, { timeout = 10000, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  let value;
  for (;;) {
    value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function createRoom(page, name) {
  await page.getByTestId("new-room").click();
  await page.getByTestId("room-name").fill(name);
  await page.getByTestId("room-create").click();
  await page.getByTestId("room-item").filter({ hasText: name }).waitFor();
  await page.getByTestId("composer").waitFor();
}

export async function send(page, text) {
  await page.getByTestId("composer").fill(text);
  await page.getByTestId("send").click();
}

export const assistant = (page) => page.locator('[data-testid="message"][data-role="assistant"]');

export function shotsDir() { mkdirSync(SHOTS, { recursive: true }); return SHOTS; }
