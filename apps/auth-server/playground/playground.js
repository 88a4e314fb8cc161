// The FAPI 2.0 playground: every step in the browser, keys made by WebCrypto (ES256, private keys
// not extractable, kept in IndexedDB across the redirect to the authorization server).
const ISSUER = location.origin;
const API = document.body.dataset.api;
const REDIRECT_URI = `${ISSUER}/playground`;
const ES256 = { name: 'ECDSA', namedCurve: 'P-256' };
const SIGN = { name: 'ECDSA', hash: 'SHA-256' };
const STALE_PROOF_AGE_S = 600;
// Served with the page (the AS's demo values): { accounts: { user: [ids] }, accountActions,
// creditor: { name, iban }, strongAcr }.
const DEMO = JSON.parse(document.getElementById('demo-config').textContent);
const CURRENCY = 'GBP';
const PAYMENT_AMOUNT = '25.00';
const PAYMENT_REFERENCE = 'Playground';
// Above the consented 25.00 and without the high-value payment's reference: no element covers it.
const OUTSIDE_CONSENT_AMOUNT = '40.00';
// Above the API's strong-authentication threshold (500.00 by default), consented at PAR.
const HIGH_VALUE_AMOUNT = '750.00';
const HIGH_VALUE_REFERENCE = 'Playground: rent';

// ---- encoding and JOSE -------------------------------------------------------------------

const encoder = new TextEncoder();
const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const b64urlJson = (value) => b64url(encoder.encode(JSON.stringify(value)));
const randomB64url = (size) => b64url(crypto.getRandomValues(new Uint8Array(size)));
const sha256 = async (text) => b64url(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
const now = () => Math.floor(Date.now() / 1000);

function decodeJwt(jwt) {
  const [header, payload] = jwt.split('.');
  const part = (p) => JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/')));
  try {
    return { header: part(header), payload: part(payload) };
  } catch {
    return undefined;
  }
}

async function publicJwk(publicKey) {
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  return { kty, crv, x, y };
}

/** The RFC 7638 thumbprint of an EC public key: the client key's `kid` (its signatures' keyid). */
async function thumbprint(publicKey) {
  const { crv, kty, x, y } = await publicJwk(publicKey);
  return sha256(JSON.stringify({ crv, kty, x, y }));
}

// ---- HTTP message signatures (RFC 9421, FAPI 2.0 HTTP Signatures) ------------------------

const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));

/**
 * Signs a request with a body as the API requires for payments: tag fapi-2-request over
 * @method, @target-uri, authorization, dpop and the content-digest of exactly `body`, with the
 * client key registered at the AS (keyid: its thumbprint). WebCrypto's ECDSA signature is the
 * r||s form that ecdsa-p256-sha256 uses. Returns the three headers to add.
 */
async function signRequest(method, url, headers, body) {
  const digest = `sha-256=:${b64(await crypto.subtle.digest('SHA-256', encoder.encode(body)))}:`;
  const values = {
    '@method': method,
    '@target-uri': new URL(url).href,
    authorization: headers.authorization,
    dpop: headers.dpop,
    'content-digest': digest,
  };
  const keyId = await thumbprint(keys.client.publicKey);
  const components = Object.keys(values).map((name) => `"${name}"`);
  const input = `(${components.join(' ')});created=${now()};keyid="${keyId}";tag="fapi-2-request"`;
  const base = [
    ...Object.entries(values).map(([name, value]) => `"${name}": ${value}`),
    `"@signature-params": ${input}`,
  ].join('\n');
  const signature = await crypto.subtle.sign(SIGN, keys.client.privateKey, encoder.encode(base));
  return {
    'content-digest': digest,
    'signature-input': `sig1=${input}`,
    signature: `sig1=:${b64(signature)}:`,
  };
}

/** A compact JWS (ES256: WebCrypto's ECDSA signature is already the JWS r||s form). */
async function signJwt(privateKey, header, payload) {
  const input = `${b64urlJson(header)}.${b64urlJson(payload)}`;
  const signature = await crypto.subtle.sign(SIGN, privateKey, encoder.encode(input));
  return `${input}.${b64url(signature)}`;
}

/** A DPoP proof (RFC 9449 §4.2) for `method url`, with `ath` when an access token is given. */
async function dpopProof(keyPair, method, url, { accessToken, nonce, iat } = {}) {
  const u = new URL(url);
  const payload = {
    jti: crypto.randomUUID(),
    htm: method,
    htu: `${u.origin}${u.pathname}`,
    iat: iat ?? now(),
  };
  if (accessToken) payload.ath = await sha256(accessToken);
  if (nonce) payload.nonce = nonce;
  const jwk = await publicJwk(keyPair.publicKey);
  return signJwt(keyPair.privateKey, { typ: 'dpop+jwt', alg: 'ES256', jwk }, payload);
}

/** private_key_jwt (RFC 7523 §2.2): the client assertion, audience the issuer. */
function clientAssertion(state, keys) {
  const iat = now();
  return signJwt(
    keys.client.privateKey,
    { alg: 'ES256', typ: 'JWT' },
    {
      iss: state.clientId,
      sub: state.clientId,
      aud: ISSUER,
      jti: crypto.randomUUID(),
      iat,
      exp: iat + 60,
    },
  );
}

const generateKeyPair = () => crypto.subtle.generateKey(ES256, false, ['sign', 'verify']);

// ---- persistence (IndexedDB keeps CryptoKeys non-extractable) -----------------------------

function db() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('fapi-playground', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('kv');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
}

async function kv(mode, run) {
  const handle = await db();
  return new Promise((resolve, reject) => {
    const tx = handle.transaction('kv', mode);
    const request = run(tx.objectStore('kv'));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
  });
}

const load = (key) => kv('readonly', (store) => store.get(key));
const save = (key, value) => kv('readwrite', (store) => store.put(value, key));
const clearAll = () => kv('readwrite', (store) => store.clear());

let state = {};
let keys;

async function persist() {
  await save('state', state);
}

// ---- rendering ----------------------------------------------------------------------------

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function headerLines(headers) {
  return Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
}

function jwtBlocks(label, jwt) {
  const decoded = jwt && decodeJwt(jwt);
  if (!decoded) return [];
  return [
    element('p', {}, `${label} (decoded):`),
    element(
      'pre',
      { class: 'jwt', 'data-jwt': label },
      `${JSON.stringify(decoded.header, null, 2)}\n.\n${JSON.stringify(decoded.payload, null, 2)}`,
    ),
  ];
}

const challengeError = (challenge) => /\berror="([^"]+)"/.exec(challenge ?? '')?.[1];
const challengeAcrValues = (challenge) => /\bacr_values="([^"]+)"/.exec(challenge ?? '')?.[1];

function jsonBlocks(label, value) {
  return [
    element('p', {}, `${label}:`),
    element('pre', { class: 'json', 'data-json': label }, JSON.stringify(value, null, 2)),
  ];
}

/** One exchange as the page shows it: request, decoded JWTs, response and the decision. */
function renderExchange(x) {
  const refused = x.status >= 400;
  const challenge = x.responseHeaders['www-authenticate'];
  const error = challengeError(challenge) ?? x.responseBody?.error;
  const acrValues = challengeAcrValues(challenge);
  const decision = refused
    ? `Refused: ${x.status}${error ? ` error=${error}` : ''}${acrValues ? ` acr_values=${acrValues}` : ''}`
    : `Allowed: ${x.status}`;
  const jwts = x.jwts ?? [];
  const body =
    typeof x.responseBody === 'string' ? x.responseBody : JSON.stringify(x.responseBody, null, 2);
  return element(
    'article',
    { class: `exchange ${refused ? 'refused' : 'ok'}`, 'data-title': x.title },
    element('h3', {}, x.title),
    element('p', { class: 'decision' }, decision),
    element('p', {}, 'Request:'),
    element(
      'pre',
      { class: 'request' },
      `${x.method} ${x.url}\n${headerLines(x.requestHeaders)}${x.requestBody ? `\n\n${x.requestBody}` : ''}`,
    ),
    ...(x.json ?? []).flatMap(([label, value]) => jsonBlocks(label, value)),
    ...jwts.flatMap(([label, jwt]) => jwtBlocks(label, jwt)),
    element('p', {}, 'Response:'),
    element(
      'pre',
      { class: 'response' },
      `${x.status}\n${headerLines(x.responseHeaders)}\n\n${body}`,
    ),
  );
}

function renderNote(text) {
  return element('p', { class: 'note' }, text);
}

/** What an access token grants, as its (decoded) claims say: `acr` and `authorization_details`. */
function renderGranted(granted) {
  return element(
    'div',
    { class: 'granted' },
    element('p', {}, 'Granted (from the access token):'),
    element('pre', {}, JSON.stringify(granted, null, 2)),
  );
}

function showGranted(outId, accessToken) {
  const claims = decodeJwt(accessToken)?.payload;
  if (!claims) return;
  show(outId, {
    granted: { acr: claims.acr, authorization_details: claims.authorization_details ?? [] },
  });
}

function show(outId, item) {
  state.outputs ??= {};
  (state.outputs[outId] ??= []).push(item);
  draw(outId, item);
}

function draw(outId, item) {
  const out = document.getElementById(outId);
  if (item.note) out.append(renderNote(item.note));
  else if (item.granted) out.append(renderGranted(item.granted));
  else out.append(renderExchange(item));
}

// ---- HTTP ---------------------------------------------------------------------------------

/** Sends a request and records it as an exchange (headers the browser may read). */
async function send(title, method, url, { headers = {}, body, jwts = [], json = [] } = {}) {
  const response = await fetch(url, {
    method,
    headers,
    body,
    credentials: 'omit',
    cache: 'no-store',
  });
  const responseHeaders = {};
  response.headers.forEach((v, k) => (responseHeaders[k] = v));
  const text = await response.text();
  let responseBody = text;
  try {
    responseBody = text ? JSON.parse(text) : '';
  } catch {
    /* not JSON: keep the text */
  }
  return {
    title,
    method,
    url,
    requestHeaders: headers,
    requestBody: body,
    jwts,
    json,
    status: response.status,
    responseHeaders,
    responseBody,
  };
}

const form = (params) => new URLSearchParams(params).toString();

async function discovery() {
  state.metadata ??= await (await fetch(`${ISSUER}/.well-known/openid-configuration`)).json();
  return state.metadata;
}

/** An API call with a DPoP proof; answers a `use_dpop_nonce` challenge once, as RFC 9449 §9 says. */
async function apiCall(
  title,
  method,
  path,
  { body, extraHeaders = {}, accessToken = state.accessToken, outId = 'out-api' } = {},
) {
  const url = `${API}${path}`;
  const text = body && JSON.stringify(body);
  const attempt = async (nonce) => {
    const proof = await dpopProof(keys.dpop, method, url, { accessToken, nonce });
    const headers = { authorization: `DPoP ${accessToken}`, dpop: proof, ...extraHeaders };
    if (text) {
      headers['content-type'] = 'application/json';
      // After the proof: the signature covers it.
      Object.assign(headers, await signRequest(method, url, headers, text));
    }
    return send(title, method, url, { headers, body: text, jwts: [['DPoP proof', proof]] });
  };
  let exchange = await attempt(state.apiNonce);
  if (exchange.status === 401 && exchange.responseHeaders['dpop-nonce']) {
    state.apiNonce = exchange.responseHeaders['dpop-nonce'];
    if (challengeError(exchange.responseHeaders['www-authenticate']) === 'use_dpop_nonce') {
      show(outId, exchange);
      exchange = await attempt(state.apiNonce);
      exchange.title = `${title} (again, with the server's nonce)`;
    }
  }
  state.lastApiRequest = exchange;
  return exchange;
}

// ---- the steps ----------------------------------------------------------------------------

async function publishKeys() {
  keys = { client: await generateKeyPair(), dpop: await generateKeyPair() };
  await save('keys', keys);
  // With its thumbprint as kid: the keyid of the payment signatures the API checks against it.
  const jwk = {
    ...(await publicJwk(keys.client.publicKey)),
    kid: await thumbprint(keys.client.publicKey),
  };
  const requestBody = JSON.stringify({ jwk });
  const x = await send('Publish the client JWK', 'POST', `${ISSUER}/playground/clients`, {
    headers: { 'content-type': 'application/json' },
    body: requestBody,
  });
  show('out-keys', x);
  if (x.status !== 201) return;
  state.clientId = x.responseBody.client_id;
  const dpopJwk = await publicJwk(keys.dpop.publicKey);
  show('out-keys', {
    note: `Client ${state.clientId}; its JWKS is served at ${x.responseBody.jwks_uri}. DPoP public key: ${JSON.stringify(dpopJwk)}`,
  });
  state.step = 'par';
}

function requestedScope() {
  const scopes = ['openid'];
  for (const id of ['scope-accounts', 'scope-payments']) {
    const box = document.getElementById(id);
    if (box.checked) scopes.push(box.value);
  }
  return scopes.join(' ');
}

/**
 * The authorization details (RFC 9396 §2) the page asks for: reads of the demo user's accounts,
 * and two payments to the demo creditor (the second above the step-up threshold, for one
 * reference only).
 */
function authorizationDetails(scope, user) {
  const details = [];
  if (scope.split(' ').includes('accounts')) {
    details.push({
      type: 'account_access',
      accounts: [...(DEMO.accounts[user] ?? [])],
      actions: [...DEMO.accountActions],
    });
  }
  if (scope.split(' ').includes('payments')) {
    const payment = (amount) => ({
      type: 'payment_initiation',
      instructedAmount: { currency: CURRENCY, amount },
      creditorAccount: { ...DEMO.creditor },
    });
    details.push(payment(PAYMENT_AMOUNT), {
      ...payment(HIGH_VALUE_AMOUNT),
      remittanceInformation: HIGH_VALUE_REFERENCE,
    });
  }
  return details;
}

/**
 * PAR (RFC 9126) with private_key_jwt and PKCE S256 (RFC 7636 §4.2), and optionally
 * `authorization_details` (RFC 9396 §2) and `acr_values` (OpenID Connect Core §3.1.2.1).
 */
async function pushAuthorizationRequest(scope, outId, { details, acrValues } = {}) {
  const metadata = await discovery();
  const verifier = randomB64url(32);
  const oauthState = randomB64url(16);
  const assertion = await clientAssertion(state, keys);
  const params = {
    client_id: state.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope,
    resource: API,
    state: oauthState,
    code_challenge: await sha256(verifier),
    code_challenge_method: 'S256',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
  };
  const json = [];
  if (details?.length) {
    params.authorization_details = JSON.stringify(details);
    json.push(['authorization_details (sent form-encoded)', details]);
  }
  if (acrValues) params.acr_values = acrValues;
  const x = await send(
    'Pushed authorization request',
    'POST',
    metadata.pushed_authorization_request_endpoint,
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form(params),
      jwts: [['Client assertion', assertion]],
      json,
    },
  );
  show(outId, x);
  if (x.status !== 201) return undefined;
  return { verifier, state: oauthState, requestUri: x.responseBody.request_uri, scope };
}

async function par() {
  state.user = document.getElementById('demo-user').value;
  const scope = requestedScope();
  const pending = await pushAuthorizationRequest(scope, 'out-par', {
    details: authorizationDetails(scope, state.user),
  });
  if (!pending) return;
  state.pending = { ...pending, purpose: 'main' };
  state.step = 'authorize';
}

async function authorize() {
  const metadata = await discovery();
  const url = new URL(metadata.authorization_endpoint);
  url.search = form({ client_id: state.clientId, request_uri: state.pending.requestUri });
  show('out-authorize', { note: `Redirecting to ${url.href}` });
  await persist();
  location.assign(url.href);
}

const CALLBACK_OUT = { 'scope-attack': 'out-attacks', 'step-up': 'out-step-up' };

/** Back from the AS: check `state` and `iss` (RFC 9207), keep the code. */
async function callback(params) {
  history.replaceState(null, '', REDIRECT_URI);
  const pending = state.pending;
  const outId = CALLBACK_OUT[pending?.purpose] ?? 'out-authorize';
  const summary = [...params].map(([k, v]) => `${k}=${v}`).join(', ');
  if (!pending || params.get('state') !== pending.state || params.get('iss') !== ISSUER) {
    show(outId, { note: `Refused the authorization response (state or iss mismatch): ${summary}` });
    return;
  }
  if (params.get('error')) {
    show(outId, { note: `The authorization server answered: ${summary}` });
    return;
  }
  show(outId, { note: `Authorization response: ${summary}` });
  pending.code = params.get('code');
  if (pending.purpose === 'scope-attack') await scopeAttackFinish(pending);
  else if (pending.purpose === 'step-up') await stepUpFinish(pending);
  else state.step = 'token';
}

/** The token request (RFC 6749 §4.1.3) with PKCE and a DPoP proof (RFC 9449 §5). */
async function redeem(pending, outId, title) {
  const metadata = await discovery();
  const url = metadata.token_endpoint;
  const attempt = async (nonce) => {
    const proof = await dpopProof(keys.dpop, 'POST', url, { nonce });
    const assertion = await clientAssertion(state, keys);
    return send(title, 'POST', url, {
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof },
      body: form({
        grant_type: 'authorization_code',
        code: pending.code,
        redirect_uri: REDIRECT_URI,
        code_verifier: pending.verifier,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
      jwts: [
        ['DPoP proof', proof],
        ['Client assertion', assertion],
      ],
    });
  };
  let x = await attempt();
  if (x.status === 400 && x.responseBody?.error === 'use_dpop_nonce') {
    show(outId, x);
    x = await attempt(x.responseHeaders['dpop-nonce']);
  }
  if (x.status === 200) x.jwts.push(['Access token', x.responseBody.access_token]);
  show(outId, x);
  return x.status === 200 ? x.responseBody : undefined;
}

async function token() {
  const tokens = await redeem(state.pending, 'out-token', 'Token request');
  if (!tokens) return;
  state.accessToken = tokens.access_token;
  state.pending = undefined;
  showGranted('out-token', tokens.access_token);
  state.step = 'api';
}

async function listAccounts() {
  const x = await apiCall('List accounts', 'GET', '/accounts');
  show('out-api', x);
  const list = Array.isArray(x.responseBody?.data) ? x.responseBody.data : [];
  const debtor = list.find((a) => a.currency === CURRENCY);
  if (debtor?.accountId) state.account = { id: debtor.accountId };
}

function paymentBody(amount = PAYMENT_AMOUNT, reference = PAYMENT_REFERENCE) {
  return {
    debtorAccountId: state.account?.id ?? 'unknown',
    instructedAmount: { amount, currency: CURRENCY },
    creditorAccount: { ...DEMO.creditor },
    reference,
  };
}

/** A payment from the user's first GBP account to the demo creditor, shown in `outId`. */
async function pay(outId, title, amount, reference, accessToken = state.accessToken) {
  if (!state.account) await listAccounts();
  const x = await apiCall(title, 'POST', '/domestic-payments', {
    body: paymentBody(amount, reference),
    extraHeaders: { 'x-idempotency-key': crypto.randomUUID() },
    accessToken,
    outId,
  });
  show(outId, x);
}

const makePayment = () =>
  pay('out-api', `Pay ${PAYMENT_AMOUNT} ${CURRENCY} to ${DEMO.creditor.name}`, PAYMENT_AMOUNT);

/** Redirects to the AS for a pushed request (the AS session may answer without a login). */
async function redirectToAuthorize(pending) {
  const metadata = await discovery();
  const url = new URL(metadata.authorization_endpoint);
  url.search = form({ client_id: state.clientId, request_uri: pending.requestUri });
  await persist();
  location.assign(url.href);
}

/** A new authorization asking for the strong sign-in (RFC 9470 §4), then the high-value payment. */
async function stepUp() {
  show('out-step-up', {
    note: `A new authorization with acr_values=${DEMO.strongAcr}: the AS asks for the one-time code.`,
  });
  const scope = 'openid accounts payments';
  const pending = await pushAuthorizationRequest(scope, 'out-step-up', {
    details: authorizationDetails(scope, state.user),
    acrValues: DEMO.strongAcr,
  });
  if (!pending) return;
  state.pending = { ...pending, purpose: 'step-up' };
  await redirectToAuthorize(pending);
}

async function stepUpFinish(pending) {
  state.pending = undefined;
  const tokens = await redeem(pending, 'out-step-up', 'Token request (after the step-up)');
  if (!tokens) return;
  showGranted('out-step-up', tokens.access_token);
  await pay(
    'out-step-up',
    `Pay ${HIGH_VALUE_AMOUNT} ${CURRENCY} to ${DEMO.creditor.name} (strong sign-in)`,
    HIGH_VALUE_AMOUNT,
    HIGH_VALUE_REFERENCE,
    tokens.access_token,
  );
}

// ---- the attacks --------------------------------------------------------------------------

async function attackReplay() {
  const last = state.lastApiRequest;
  const x = await send(
    `Attack: replay of "${last.title}" (same DPoP proof)`,
    last.method,
    last.url,
    { headers: last.requestHeaders, body: last.requestBody, jwts: last.jwts },
  );
  show('out-attacks', x);
}

async function attackBearer() {
  const url = `${API}/accounts`;
  const x = await send('Attack: the DPoP-bound token sent as Bearer', 'GET', url, {
    headers: { authorization: `Bearer ${state.accessToken}` },
  });
  show('out-attacks', x);
}

async function attackWithProof(title, proofFor) {
  const url = `${API}/accounts`;
  const proof = await proofFor(url);
  const x = await send(title, 'GET', url, {
    headers: { authorization: `DPoP ${state.accessToken}`, dpop: proof },
    jwts: [['DPoP proof', proof]],
  });
  show('out-attacks', x);
}

const options = () => ({ accessToken: state.accessToken, nonce: state.apiNonce });

const attackHtu = () =>
  attackWithProof('Attack: a proof for another URL (htu /domestic-payments)', (url) =>
    dpopProof(keys.dpop, 'GET', url.replace(/\/accounts$/, '/domestic-payments'), options()),
  );

const attackKey = () =>
  attackWithProof('Attack: a proof signed by another key', async (url) =>
    dpopProof(await generateKeyPair(), 'GET', url, options()),
  );

const attackStale = () =>
  attackWithProof(`Attack: a stale proof (iat ${STALE_PROOF_AGE_S} s ago)`, (url) =>
    dpopProof(keys.dpop, 'GET', url, { ...options(), iat: now() - STALE_PROOF_AGE_S }),
  );

/** A second authorization for `accounts` only (the AS session answers at once), then a payment. */
async function attackScope() {
  show('out-attacks', {
    note: 'Attack: a token without the payments scope. First a narrower authorization:',
  });
  const pending = await pushAuthorizationRequest('openid accounts', 'out-attacks');
  if (!pending) return;
  state.pending = { ...pending, purpose: 'scope-attack' };
  await redirectToAuthorize(pending);
}

async function scopeAttackFinish(pending) {
  state.pending = undefined;
  const tokens = await redeem(pending, 'out-attacks', 'Token request (scope openid accounts)');
  if (!tokens) return;
  const url = `${API}/domestic-payments`;
  const proof = await dpopProof(keys.dpop, 'POST', url, {
    accessToken: tokens.access_token,
    nonce: state.apiNonce,
  });
  const body = JSON.stringify(paymentBody());
  const headers = { authorization: `DPoP ${tokens.access_token}`, dpop: proof };
  const x = await send('Attack: a payment with a token without the payments scope', 'POST', url, {
    headers: {
      ...headers,
      'content-type': 'application/json',
      'x-idempotency-key': crypto.randomUUID(),
      ...(await signRequest('POST', url, headers, body)),
    },
    body,
    jwts: [
      ['DPoP proof', proof],
      ['Access token', tokens.access_token],
    ],
  });
  show('out-attacks', x);
}

const attackOutsideConsent = () =>
  pay(
    'out-attacks',
    `Attack: a payment outside the consent (${OUTSIDE_CONSENT_AMOUNT} ${CURRENCY}; ${PAYMENT_AMOUNT} consented)`,
    OUTSIDE_CONSENT_AMOUNT,
  );

const attackNoStepUp = () =>
  pay(
    'out-attacks',
    `Attack: a missing step-up (${HIGH_VALUE_AMOUNT} ${CURRENCY}, consented, but signed in with the password only)`,
    HIGH_VALUE_AMOUNT,
    HIGH_VALUE_REFERENCE,
  );

// ---- wiring -------------------------------------------------------------------------------

const STEP_BUTTONS = {
  par: ['step-par'],
  authorize: ['step-authorize'],
  token: ['step-token'],
};
const API_BUTTONS = [
  'step-accounts',
  'step-payment',
  'attack-bearer',
  'attack-htu',
  'attack-key',
  'attack-stale',
  'attack-scope',
  'attack-outside-consent',
  'attack-no-step-up',
  'step-up',
];

function enableButtons() {
  for (const button of document.querySelectorAll('main button')) {
    if (button.id !== 'reset') button.disabled = true;
  }
  document.getElementById('step-keys').disabled = false;
  const enabled = state.step === 'api' ? API_BUTTONS : (STEP_BUTTONS[state.step] ?? []);
  for (const id of enabled) document.getElementById(id).disabled = false;
  if (state.step === 'api' && state.lastApiRequest) {
    document.getElementById('attack-replay').disabled = false;
  }
}

function bind(id, action) {
  const button = document.getElementById(id);
  button.addEventListener('click', async () => {
    button.disabled = true;
    document.body.setAttribute('aria-busy', 'true');
    try {
      await action();
    } catch (err) {
      show(button.closest('section').querySelector('.out').id, {
        note: `Failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    } finally {
      await persist();
      enableButtons();
      document.body.removeAttribute('aria-busy');
    }
  });
}

async function start() {
  document.getElementById('api-url').textContent = API;
  state = (await load('state')) ?? {};
  keys = await load('keys');
  for (const [outId, items] of Object.entries(state.outputs ?? {})) {
    for (const item of items) draw(outId, item);
  }
  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    try {
      await callback(params);
    } catch (err) {
      show('out-authorize', {
        note: `Failed: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
    await persist();
  }
  bind('step-keys', async () => {
    state = { outputs: {} };
    for (const out of document.querySelectorAll('.out')) out.replaceChildren();
    await publishKeys();
  });
  bind('step-par', par);
  bind('step-authorize', authorize);
  bind('step-token', token);
  bind('step-accounts', listAccounts);
  bind('step-payment', makePayment);
  bind('attack-replay', attackReplay);
  bind('attack-bearer', attackBearer);
  bind('attack-htu', attackHtu);
  bind('attack-key', attackKey);
  bind('attack-stale', attackStale);
  bind('attack-scope', attackScope);
  bind('attack-outside-consent', attackOutsideConsent);
  bind('attack-no-step-up', attackNoStepUp);
  bind('step-up', stepUp);
  document.getElementById('reset').addEventListener('click', async () => {
    await clearAll();
    location.assign(REDIRECT_URI);
  });
  enableButtons();
  document.body.dataset.ready = 'true';
}

void start();
