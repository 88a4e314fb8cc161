/**
 * The token helper behind `npm run token`: obtains an access token from the running sandbox
 * authorization server through the real flow (PAR, PKCE S256, private_key_jwt or
 * self_signed_tls_client_auth, DPoP or mTLS binding, scripted login and consent), keeps its DPoP
 * key and the token in a state file until the token expires, and renders ready-to-paste
 * `Authorization` and `DPoP` headers (a fresh proof on every call) and a curl line.
 *
 * The sample API serves only what the user consented to (RFC 9396 `authorization_details`), so
 * the helper asks for consent by default: every read action on the user's demo accounts when
 * the scope includes `accounts`, and a payment when `--data` describes one or `--payment` names
 * an amount. `--authorization-details` replaces that with an explicit list, `--acr strong` logs
 * in with the one-time code.
 *
 * DEV ONLY: the state file holds a private key and a bearer-usable token for the sandbox.
 */
import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { webcrypto } from 'node:crypto';
import { signedCallHeaders } from './token-signing.js';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { obtainAccessToken, type AuthorizationDetailRequest } from './client-flow.js';
import { ACR_STRONG, DEV_ONE_TIME_CODE } from './constants.js';
import { accountAccess, DEMO_USER_ACCOUNTS, paymentInitiation } from './demo-consents.js';
import { loadDevFixtures } from './fixtures.js';

type CryptoKey = webcrypto.CryptoKey;

/** The repository root (this file runs from apps/auth-server/dist or src). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const FIXTURES = join(REPO_ROOT, 'apps', 'auth-server', 'dev-fixtures');
/** Trusted by curl for both servers. */
export const CA_FILE = join(FIXTURES, 'tls', 'ca.crt.pem');
/** The dev mTLS client's certificate and key, presented by curl with `--binding mtls`. */
export const MTLS_CERT_FILE = join(FIXTURES, 'clients', 'mtls-client.crt.pem');
export const MTLS_KEY_FILE = join(FIXTURES, 'clients', 'mtls-client.key.pem');
/** Default state file (git-ignored): `.fapi-guard/token-helper.json` at the repository root. */
export const DEFAULT_STATE_FILE = join(REPO_ROOT, '.fapi-guard', 'token-helper.json');
/** A cached token is used while it has at least this long to live. */
const MIN_REMAINING_S = 30;

/** What `npm run token -- ...` asks for. */
export interface TokenRequest {
  /** Scopes the token needs (space-separated); `openid` is added. Default `accounts`. */
  scope: string;
  /** `dpop` (default) or `mtls`. */
  binding: 'dpop' | 'mtls';
  /** The call the headers are for. Default `GET`. */
  method: string;
  /** Default `https://127.0.0.1:3000/accounts`; its origin is the token's resource. */
  url: string;
  /** Demo user (`alice`, `bob`). Default `alice`. */
  user: string;
  /** Default `https://127.0.0.1:4000`. */
  issuer: string;
  /** A JSON request body for the curl line (sent with `Content-Type: application/json`). */
  data?: string;
  /** Up to this amount (GBP) to Bob Example: adds a `payment_initiation` element. */
  payment?: string;
  /**
   * The `authorization_details` sent at PAR: `--authorization-details`, else the defaults
   * `parseTokenArgs` derives (see the module comment). Empty: none sent.
   */
  authorizationDetails: AuthorizationDetailRequest[];
  /** `strong`: ask for `urn:fapi-guard:acr:strong` and type the dev one-time code. */
  acr?: 'strong';
  stateFile: string;
}

/** What the helper prints. */
export interface TokenOutput {
  authorization: string;
  /** The DPoP proof for `method url` (absent with `--binding mtls`). */
  dpop?: string;
  /** With `--data`: `content-digest`, `signature-input`, `signature` (RFC 9421) of the call. */
  signature?: Record<string, string>;
  /** A shell command answering the request, quoted for POSIX shells. */
  curl: string;
  /** Whether the token came from the state file. */
  cached: boolean;
  expiresAt: number;
}

const FLAGS: Record<string, keyof TokenRequest> = {
  '--scope': 'scope',
  '--binding': 'binding',
  '--method': 'method',
  '--url': 'url',
  '--user': 'user',
  '--issuer': 'issuer',
  '--data': 'data',
  '--payment': 'payment',
  '--authorization-details': 'authorizationDetails',
  '--acr': 'acr',
  '--state-file': 'stateFile',
};

/** Usage text (printed for `--help` and with every argument error). */
export const USAGE = `usage: npm run token -- [--scope "accounts payments"] [--binding dpop|mtls]
       [--method GET] [--url https://127.0.0.1:3000/accounts] [--user alice]
       [--issuer https://127.0.0.1:4000] [--data '<json body>'] [--payment 25.00]
       [--authorization-details '<json array>'] [--acr strong] [--state-file <path>]

  --scope                  scopes (default accounts); "accounts payments" for payments
  --binding                dpop (default) or mtls (certificate-bound Bearer token)
  --method, --url          the call the DPoP proof and the curl line are for
  --user                   demo user, alice (default) or bob
  --data                   JSON body for the curl line, signed (RFC 9421); asks consent to it
  --payment                consent to pay up to this amount (GBP) to Bob Example
  --authorization-details  the consent asked for, as a JSON array of objects with a string
                           "type" (replaces the default: with scope accounts, every read
                           action on the user's demo accounts)
  --acr strong             log in with the one-time code (urn:fapi-guard:acr:strong)
  --state-file             where the DPoP key and tokens are kept`;

const AMOUNT = /^\d{1,13}\.\d{2}$/;

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** `--authorization-details`: a JSON array of objects, each with a string `type`. */
function parseDetails(text: string): AuthorizationDetailRequest[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('--authorization-details must be JSON (an array of objects)');
  }
  if (!Array.isArray(value)) {
    throw new Error('--authorization-details must be a JSON array of objects');
  }
  value.forEach((element, i) => {
    const type = record(element)?.type;
    if (typeof type !== 'string' || type.length === 0) {
      throw new Error(`--authorization-details[${i}] must be an object with a string "type"`);
    }
  });
  return value as AuthorizationDetailRequest[];
}

/** A `payment_initiation` element for a `--data` body that is a payment, else undefined. */
function paymentOf(body: unknown): AuthorizationDetailRequest | undefined {
  const amount = record(record(body)?.instructedAmount);
  const creditor = record(record(body)?.creditorAccount);
  if (typeof amount?.amount !== 'string' || typeof amount.currency !== 'string') return undefined;
  if (typeof creditor?.iban !== 'string') return undefined;
  const name = typeof creditor.name === 'string' ? { name: creditor.name } : {};
  return paymentInitiation(amount.amount, { ...name, iban: creditor.iban }, amount.currency);
}

/** The default consent for a request (see the module comment). */
function defaultDetails(request: TokenRequest, body: unknown): AuthorizationDetailRequest[] {
  const details: AuthorizationDetailRequest[] = [];
  const accounts = Object.hasOwn(DEMO_USER_ACCOUNTS, request.user)
    ? DEMO_USER_ACCOUNTS[request.user]
    : undefined;
  if (request.scope.split(' ').includes('accounts') && accounts) {
    details.push(accountAccess(accounts));
  }
  const payment =
    request.payment !== undefined ? paymentInitiation(request.payment) : paymentOf(body);
  if (payment) details.push(payment);
  return details;
}

/**
 * Reads the command line (`--flag value` pairs) and derives the consent to ask for. Throws an
 * Error naming an unknown flag, a missing value or a bad `--binding`, `--method`, `--url`,
 * `--payment`, `--acr` or `--authorization-details` (not a JSON array of objects with a string
 * `type`), and a SyntaxError for a `--data` that is not JSON.
 *
 * @example
 * parseTokenArgs(['--scope', 'payments', '--method', 'POST']).method; // 'POST'
 */
export function parseTokenArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): TokenRequest {
  const request: TokenRequest = {
    scope: 'accounts',
    binding: 'dpop',
    method: 'GET',
    url: `${env.API_URL ?? 'https://127.0.0.1:3000'}/accounts`,
    user: 'alice',
    issuer: env.AS_ISSUER ?? 'https://127.0.0.1:4000',
    authorizationDetails: [],
    stateFile: env.TOKEN_HELPER_STATE ?? DEFAULT_STATE_FILE,
  };
  let explicitDetails: string | undefined;
  for (let i = 0; i < argv.length; i += 2) {
    const key = FLAGS[argv[i] as string];
    const value = argv[i + 1];
    if (!key) throw new Error(`unknown argument ${JSON.stringify(argv[i])}`);
    if (value === undefined || value.startsWith('--')) throw new Error(`${argv[i]} needs a value`);
    if (key === 'authorizationDetails') explicitDetails = value;
    else (request as unknown as Record<string, string>)[key] = value;
  }
  if (request.binding !== 'dpop' && request.binding !== 'mtls') {
    throw new Error('--binding must be dpop or mtls');
  }
  if (!/^[A-Z]+$/.test(request.method)) throw new Error('--method must be like GET or POST');
  if (!URL.canParse(request.url) || new URL(request.url).protocol !== 'https:') {
    throw new Error('--url must be an https URL');
  }
  if (request.acr !== undefined && request.acr !== 'strong')
    throw new Error('--acr must be strong');
  if (request.payment !== undefined && !AMOUNT.test(request.payment)) {
    throw new Error('--payment must be an amount like 25.00');
  }
  // A SyntaxError names the problem.
  const body: unknown = request.data === undefined ? undefined : JSON.parse(request.data);
  if (explicitDetails === undefined) {
    request.authorizationDetails = defaultDetails(request, body);
  } else if (request.payment !== undefined) {
    throw new Error(
      '--payment and --authorization-details: give one (add the payment to the list)',
    );
  } else {
    request.authorizationDetails = parseDetails(explicitDetails);
  }
  return request;
}

interface StoredToken {
  accessToken: string;
  tokenType: string;
  expiresAt: number;
}

interface HelperState {
  dpopKey?: { privateJwk: JWK; publicJwk: JWK };
  tokens: Record<string, StoredToken>;
}

function readState(file: string): HelperState {
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as HelperState;
    return { ...state, tokens: state.tokens ?? {} };
  } catch {
    return { tokens: {} };
  }
}

function writeState(file: string, state: HelperState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

async function dpopKeyOf(state: HelperState): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  if (state.dpopKey) return state.dpopKey;
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  state.dpopKey = {
    privateJwk: { ...(await exportJWK(privateKey)), alg: 'ES256' },
    publicJwk: { ...(await exportJWK(publicKey)), alg: 'ES256' },
  };
  return state.dpopKey;
}

/** A DPoP proof (RFC 9449 §4.2) for `method url`, bound to `accessToken` by `ath`. */
async function dpopProof(
  key: { privateJwk: JWK; publicJwk: JWK },
  method: string,
  url: string,
  accessToken: string,
): Promise<string> {
  const htu = new URL(url);
  htu.search = '';
  htu.hash = '';
  const { kty, crv, x, y } = key.publicJwk;
  return new SignJWT({
    htm: method,
    htu: htu.href,
    ath: createHash('sha256').update(accessToken).digest('base64url'),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: { kty, crv, x, y } as JWK })
    .setJti(randomUUID())
    .setIssuedAt()
    .sign((await importJWK(key.privateJwk, 'ES256')) as CryptoKey);
}

/** Quotes a value for a POSIX shell. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Returns a valid token for `request` (from the state file while it has 30 s to live, else
 * through the full flow against the running AS) and renders the headers and curl line, with a
 * fresh DPoP proof every time.
 *
 * @example
 * const out = await runTokenHelper(parseTokenArgs(['--scope', 'accounts']));
 * console.log(`Authorization: ${out.authorization}\nDPoP: ${out.dpop}`);
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
 */
export async function runTokenHelper(
  request: TokenRequest,
  now = () => Date.now(),
): Promise<TokenOutput> {
  const fixtures = loadDevFixtures();
  const user = fixtures.users.find((u) => u.username === request.user);
  if (!user) throw new Error(`--user: no demo user ${JSON.stringify(request.user)}`);
  const resource = new URL(request.url).origin;
  const state = readState(request.stateFile);
  const key = request.binding === 'dpop' ? await dpopKeyOf(state) : undefined;
  // A token is reused only for the same AS, API, binding, key, user, scope, consent and acr.
  const keyHash = key
    ? createHash('sha256').update(JSON.stringify(key.publicJwk)).digest('hex')
    : '';
  const cacheKey = [
    request.issuer,
    resource,
    request.binding,
    keyHash,
    user.username,
    request.scope,
    JSON.stringify(request.authorizationDetails),
    request.acr ?? '',
  ].join(' ');
  const found = state.tokens[cacheKey];
  const cached = found !== undefined && found.expiresAt - now() / 1000 > MIN_REMAINING_S;
  let stored: StoredToken;
  if (found && cached) {
    stored = found;
  } else {
    const result = await obtainAccessToken({
      issuer: request.issuer,
      scope: `openid ${request.scope}`,
      resource,
      username: user.username,
      password: user.password,
      ...(request.authorizationDetails.length > 0
        ? { authorizationDetails: request.authorizationDetails }
        : {}),
      ...(request.acr === 'strong' ? { acrValues: ACR_STRONG, otp: DEV_ONE_TIME_CODE } : {}),
      ...(key
        ? {
            clientId: fixtures.clients.dpop.clientId,
            clientKey: fixtures.clients.dpop.privateJwk,
            dpopKey: {
              privateKey: (await importJWK(key.privateJwk, 'ES256')) as CryptoKey,
              publicKey: (await importJWK(key.publicJwk, 'ES256')) as CryptoKey,
            },
          }
        : {
            clientId: fixtures.clients.mtls.clientId,
            tls: { cert: fixtures.clients.mtls.cert, key: fixtures.clients.mtls.key },
          }),
    });
    stored = {
      accessToken: result.accessToken,
      tokenType: result.tokenType,
      expiresAt: Math.floor(now() / 1000) + (result.expiresIn ?? 60),
    };
    for (const [name, old] of Object.entries(state.tokens)) {
      if (old.expiresAt * 1000 <= now()) delete state.tokens[name];
    }
    state.tokens[cacheKey] = stored;
  }
  writeState(request.stateFile, state);
  const authorization = `${stored.tokenType} ${stored.accessToken}`;
  const dpop = key ? await dpopProof(key, request.method, request.url, stored.accessToken) : '';
  const signature =
    request.data === undefined
      ? undefined
      : signedCallHeaders(fixtures, { ...request, authorization, dpop, data: request.data }, now());
  const rel = (file: string) => relative(process.cwd(), file) || file;
  const curl = [
    'curl -sS -i',
    `--cacert ${shellQuote(rel(CA_FILE))}`,
    ...(key
      ? []
      : [`--cert ${shellQuote(rel(MTLS_CERT_FILE))}`, `--key ${shellQuote(rel(MTLS_KEY_FILE))}`]),
    ...(request.method === 'GET' ? [] : [`-X ${request.method}`]),
    `-H ${shellQuote(`Authorization: ${authorization}`)}`,
    ...(key ? [`-H ${shellQuote(`DPoP: ${dpop}`)}`] : []),
    ...(request.data === undefined
      ? []
      : [
          `-H ${shellQuote('Content-Type: application/json')}`,
          `-H ${shellQuote(`x-idempotency-key: ${randomUUID()}`)}`,
          ...Object.entries(signature ?? {}).map(([n, v]) => `-H ${shellQuote(`${n}: ${v}`)}`),
          `--data-raw ${shellQuote(request.data)}`,
        ]),
    shellQuote(request.url),
  ].join(' ');
  return {
    authorization,
    ...(key ? { dpop } : {}),
    ...(signature ? { signature } : {}),
    curl,
    cached,
    expiresAt: stored.expiresAt,
  };
}
