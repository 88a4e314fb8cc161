/**
 * The browser playground, end to end in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core, which downloads no browser): keys made in the page by WebCrypto, the hosted
 * JWKS, PAR with private_key_jwt, PKCE and authorization_details, the AS login and consent typed
 * in, the DPoP token request, API calls within the consent, every attack button with the refusal
 * the page shows, and the step-up with the one-time code. Screenshots of the main states go to
 * test-results/playground/ (git-ignored); the README's copies are in apps/accounts-api/docs/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ACR_PASSWORD, ACR_STRONG, DEV_ONE_TIME_CODE } from '../../auth-server/src/constants.js';
import {
  accountAccess,
  DEMO_USER_ACCOUNTS,
  paymentInitiation,
} from '../../auth-server/src/demo-consents.js';
import { spawnAuthServer, type SpawnedAuthServer } from '../../auth-server/src/spawn.js';
import {
  closedPort,
  ensureBuilt,
  REPO_ROOT,
  spawnAccountsApi,
  type SpawnedApi,
} from './support/servers.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'playground');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  // CI installs Chromium (.ci/run): there a missing browser is a failure, never a skip.
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run should have installed it`);
  console.warn(`playground e2e skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
}
const describeIfChromium = haveChromium ? describe : describe.skip;

let as: SpawnedAuthServer;
let api: SpawnedApi;
let context: BrowserContext;
let page: Page;
let profileDir: string;

beforeAll(async () => {
  if (!haveChromium) return;
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  profileDir = mkdtempSync(join(tmpdir(), 'playground-chromium-'));
  const apiPort = await closedPort();
  as = await spawnAuthServer({
    // Nonces at both servers, so the page's answer to `use_dpop_nonce` runs too.
    env: { PLAYGROUND_API: `https://127.0.0.1:${apiPort}`, AUTO_CONSENT: '0', DPOP_NONCE: '1' },
  });
  api = await spawnAccountsApi({
    AS_ISSUER: as.issuer,
    PORT: String(apiPort),
    DPOP_NONCE: '1',
    PLAYGROUND_CLIENT_KEYS: '1',
  });
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    // The dev CA is not in Chromium's trust store; only this test ignores certificate errors.
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  page = context.pages()[0] ?? (await context.newPage());
}, 120_000);

afterAll(async () => {
  await context?.close();
  await Promise.all([api?.stop(), as?.stop()]);
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

/** The decision line of the last exchange shown in `outId`. */
async function lastDecision(outId: string): Promise<string> {
  const decision = page.locator(`#${outId} .exchange .decision`).last();
  await decision.waitFor();
  return (await decision.textContent()) ?? '';
}

/** Clicks a button and waits until the page has answered (it is enabled again or gone). */
async function press(id: string, outId: string): Promise<string> {
  const before = await page.locator(`#${outId} .exchange`).count();
  await page.click(`#${id}`);
  await page.locator(`#${outId} .exchange`).nth(before).waitFor();
  await page.waitForSelector('body:not([aria-busy])');
  return lastDecision(outId);
}

/** The text of the last exchange in `outId` (request, decoded JWTs, response). */
const lastExchange = async (outId: string) =>
  (await page.locator(`#${outId} .exchange`).last().textContent()) ?? '';

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

describeIfChromium('the browser playground in Chromium', () => {
  it('is served with a strict CSP and is usable from the keyboard', async () => {
    const response = await page.goto(`${as.issuer}/playground`);
    expect(response?.status()).toBe(200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${api.url}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.textContent('#api-url')).toBe(api.url);

    // Focus order: the user and scope choices, then the first step; later steps are disabled.
    const focused: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate<string>('document.activeElement?.id ?? ""'));
    }
    expect(focused).toEqual([
      'demo-user',
      'scope-accounts',
      'scope-payments',
      'step-keys',
      'reset',
    ]);
    await page.focus('#step-keys');
    await page.keyboard.press('Enter');
    await page.locator('#out-keys .exchange').waitFor();
    expect(await lastDecision('out-keys')).toBe('Allowed: 201');
    expect(await page.textContent('#out-keys .note')).toMatch(
      /^Client playground-[0-9a-f-]{36}; its JWKS is served at https:\/\/127\.0\.0\.1:\d+\/playground\/jwks\/playground-/,
    );
    // The private keys never leave WebCrypto: the page stored non-extractable keys.
    // (Evaluated in the page, so written as a string: this file is compiled without DOM types.)
    const extractable = await page.evaluate<Array<[boolean, string]>>(`(async () => {
      const open = indexedDB.open('fapi-playground', 1);
      await new Promise((resolve) => (open.onsuccess = resolve));
      const request = open.result.transaction('kv').objectStore('kv').get('keys');
      await new Promise((resolve) => (request.onsuccess = resolve));
      return Object.values(request.result).map((pair) => [
        pair.privateKey.extractable,
        pair.privateKey.algorithm.namedCurve,
      ]);
    })()`);
    expect(extractable).toEqual([
      [false, 'P-256'],
      [false, 'P-256'],
    ]);
  });

  it('pushes the authorization request with private_key_jwt, PKCE S256 and authorization_details', async () => {
    expect(await press('step-par', 'out-par')).toBe('Allowed: 201');
    const exchange = await lastExchange('out-par');
    expect(exchange).toContain('code_challenge_method=S256');
    expect(exchange).toContain('authorization_details=');
    const details = JSON.parse(
      (await page
        .locator('#out-par pre[data-json^="authorization_details"]')
        .last()
        .textContent()) ?? '',
    ) as unknown;
    expect(details).toEqual([
      accountAccess(DEMO_USER_ACCOUNTS.alice ?? []),
      paymentInitiation('25.00'),
      { ...paymentInitiation('750.00'), remittanceInformation: 'Playground: rent' },
    ]);
    expect(exchange).toMatch(/"iss": "playground-/);
    expect(exchange).toContain(`"aud": "${as.issuer}"`);
    expect(exchange).toContain('"request_uri": "urn:ietf:params:oauth:request_uri:');
    await page.locator('#out-par pre[data-json]').last().scrollIntoViewIfNeeded();
    await shot('1-par-1280x800');
  });

  it('refuses an authorization response whose state is not the one it sent', async () => {
    await page.goto(`${as.issuer}/playground?code=forged&state=forged&iss=${as.issuer}`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#out-authorize .note').last().textContent()).toBe(
      `Refused the authorization response (state or iss mismatch): code=forged, state=forged, iss=${as.issuer}`,
    );
    expect(await page.isDisabled('#step-token')).toBe(true);
  });

  it('signs in and consents at the AS, and comes back with a code', async () => {
    await page.click('#step-authorize');
    await page.waitForURL(/\/interaction\//);
    await page.fill('input[name="username"]', 'alice');
    await page.fill('input[name="password"]', 'alice-dev-password');
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('button:has-text("Allow")');
    const consentPage = (await page.textContent('body')) ?? '';
    expect(consentPage).toContain('accounts payments');
    expect(consentPage).toContain('Pay up to 25.00 GBP to Bob Example');
    expect(consentPage).toContain('Pay up to 750.00 GBP to Bob Example');
    await page.click('button:has-text("Allow")');
    await page.waitForURL(`${as.issuer}/playground`);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#out-authorize .note').last().textContent()).toMatch(
      new RegExp(`^Authorization response: code=[\\w-]+, state=[\\w-]+, iss=${as.issuer}`),
    );
    // Steps 1 and 2 are still shown after the round trip.
    expect(await lastDecision('out-par')).toBe('Allowed: 201');
  });

  it('exchanges the code with a DPoP proof for a DPoP-bound access token', async () => {
    expect(await press('step-token', 'out-token')).toBe('Allowed: 200');
    // The AS asked for a nonce first; the page retried with it.
    expect(await page.locator('#out-token .exchange .decision').first().textContent()).toBe(
      'Refused: 400 error=use_dpop_nonce',
    );
    const exchange = await lastExchange('out-token');
    expect(exchange).toContain('"typ": "dpop+jwt"');
    expect(exchange).toContain('"token_type": "DPoP"');
    expect(exchange).toContain('"typ": "at+jwt"');
    expect(exchange).toContain(`"aud": "${api.url}"`);
    expect(exchange).toContain('"sub": "alice"');
    expect(exchange).toMatch(/"cnf": \{\s*"jkt": "[\w-]{43}"/);
    expect(exchange).toContain('"scope": "accounts payments"');
    // What the consent granted, read from the token: the password sign-in and the details.
    const granted = JSON.parse((await page.locator('#out-token .granted pre').textContent()) ?? '');
    expect(granted.acr).toBe(ACR_PASSWORD);
    expect(granted.authorization_details).toMatchObject([
      accountAccess(DEMO_USER_ACCOUNTS.alice ?? []),
      paymentInitiation('25.00'),
      { ...paymentInitiation('750.00'), remittanceInformation: 'Playground: rent' },
    ]);
    expect(granted.authorization_details[0].consentId).toMatch(/^cns-/);
    await page.evaluate("document.querySelector('#out-token .granted').scrollIntoView()");
    await shot('2-token-1280x800');
  });

  it('calls the API with DPoP: accounts, then a payment', async () => {
    expect(await press('step-accounts', 'out-api')).toBe('Allowed: 200');
    // The API asked for a nonce first (401 use_dpop_nonce with DPoP-Nonce, read through CORS).
    const first = page.locator('#out-api .exchange').first();
    expect(await first.locator('.decision').textContent()).toBe(
      'Refused: 401 error=use_dpop_nonce',
    );
    expect(await first.textContent()).toMatch(/dpop-nonce: \S+/);
    expect(await lastExchange('out-api')).toMatch(/"nonce": "[^"]+"/);
    expect(await lastExchange('out-api')).toContain('"accountId"');
    expect(await press('step-payment', 'out-api')).toBe('Allowed: 201');
    const exchange = await lastExchange('out-api');
    expect(exchange).toContain('"paymentId"');
    expect(exchange).toContain('"amount": "25.00"');
    expect(exchange).toMatch(/"ath": "[\w-]{43}"/);
  });

  it('a payment outside the consent is refused with insufficient_authorization_details', async () => {
    expect(await press('attack-outside-consent', 'out-attacks')).toBe(
      'Refused: 403 error=insufficient_authorization_details',
    );
    expect(await lastExchange('out-attacks')).toContain('"amount":"40.00"');
  });

  it('a consented payment above the threshold without the strong sign-in asks for a step-up', async () => {
    expect(await press('attack-no-step-up', 'out-attacks')).toBe(
      `Refused: 401 error=insufficient_user_authentication acr_values=${ACR_STRONG}`,
    );
    expect(await lastExchange('out-attacks')).toMatch(
      new RegExp(
        `www-authenticate: .*error="insufficient_user_authentication".*acr_values="${ACR_STRONG}"`,
      ),
    );
  });

  it.each([
    ['attack-replay', 'Refused: 401 error=invalid_dpop_proof'],
    ['attack-bearer', 'Refused: 401 error=invalid_token'],
    ['attack-htu', 'Refused: 401 error=invalid_dpop_proof'],
    ['attack-key', 'Refused: 401 error=invalid_token'],
    ['attack-stale', 'Refused: 401 error=invalid_dpop_proof'],
  ])('%s is refused and the page shows %s', async (id, shown) => {
    expect(await press(id, 'out-attacks')).toBe(shown);
    // The challenge the RS sent, as the page shows it (readable cross-origin through CORS).
    expect(await lastExchange('out-attacks')).toMatch(
      /www-authenticate: .*DPoP .*algs="PS256 ES256"/,
    );
  });

  it('a token without the payments scope is refused with insufficient_scope', async () => {
    await page.click('#attack-scope');
    // A second authorization for `accounts` only: the AS session answers without a login.
    await page.waitForURL(`${as.issuer}/playground`);
    await page.waitForSelector('body[data-ready="true"]');
    await page
      .locator('#out-attacks .exchange[data-title*="without the payments scope"]')
      .last()
      .waitFor();
    expect(await lastDecision('out-attacks')).toBe('Refused: 403 error=insufficient_scope');
    expect(await lastExchange('out-attacks')).toContain('scope="payments"');
    await page.locator('#h-attacks').scrollIntoViewIfNeeded();
    await shot('3-attacks-1280x800');
  });

  it('steps up with the one-time code, after which the high-value payment is made', async () => {
    await page.click('#step-up');
    // The session's password sign-in does not meet acr_values: the AS asks to sign in again.
    await page.waitForURL(/\/interaction\//);
    await page.fill('input[name="username"]', 'alice');
    await page.fill('input[name="password"]', 'alice-dev-password');
    // The login page asks for the one-time code (the field is required for this authorization).
    expect(await page.getAttribute('input[name="otp"]', 'required')).not.toBeNull();
    await page.fill('input[name="otp"]', DEV_ONE_TIME_CODE);
    await page.click('button:has-text("Sign in")');
    await page.click('button:has-text("Allow")');
    await page.waitForURL(`${as.issuer}/playground`);
    await page.waitForSelector('body[data-ready="true"]');
    await page.locator('#out-step-up .exchange[data-title*="strong sign-in"]').last().waitFor();
    expect(await lastDecision('out-step-up')).toBe('Allowed: 201');
    expect(await lastExchange('out-step-up')).toContain('"amount": "750.00"');
    const granted = JSON.parse(
      (await page.locator('#out-step-up .granted pre').last().textContent()) ?? '',
    );
    expect(granted.acr).toBe(ACR_STRONG);
    await page.evaluate(
      "[...document.querySelectorAll('#out-step-up .exchange')].pop().scrollIntoView()",
    );
    await shot('4-step-up-1280x800');
  });

  it('is readable at 390×844 (no horizontal scrolling)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#h-api').scrollIntoViewIfNeeded();
    const overflow = await page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('5-api-390x844');
  });
});
