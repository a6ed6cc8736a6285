// A real OpenID Connect provider for the single sign-on browser test: the certified
// `oidc-provider` package on a free port, with one confidential client and a few accounts; its
// development sign-in and consent pages are what the browser walks through (as e2e/lib/oidc.mjs
// does without a browser).
import Provider from "oidc-provider";
import { freePort } from "./harness.mjs";

/**
 * Starts a provider. `accounts`: {id: {email, email_verified, name}}; `redirectUri`: the
 * server's callback. Returns {issuer, clientId, clientSecret, close}.
 */
export async function startProvider({ redirectUri, accounts }) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = "chatbot-socket";
  const clientSecret = "a-client-secret-for-tests-only-0123456789";
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    }],
    pkce: { required: () => true },
    claims: { email: ["email", "email_verified"], profile: ["name"] },
    async findAccount(_ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
    cookies: { keys: ["test-cookie-key-0123456789abcdef"] },
  });
  provider.on("server_error", (_ctx, err) => process.stderr.write(`oidc-provider: ${err.stack}\n`));
  const server = provider.listen(port, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(resolve); }),
  };
}

/** On the provider's pages: signs in as `login` (any password does) and consents. */
export async function signInAtProvider(page, issuer, login) {
  await page.waitForURL((url) => url.href.startsWith(issuer + "/interaction/"));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password at all");
  await page.locator('button[type="submit"]').click();
  await page.getByRole("button", { name: "Continue" }).click();
}
