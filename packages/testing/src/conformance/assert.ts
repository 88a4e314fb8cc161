import assert from 'node:assert/strict';
import { ERROR_CODES, FAPI_ALGORITHMS } from '@fapi-guard/core';
import type { ConformanceExpectation, ConformanceRequest, ConformanceResponse } from './types.js';
import { parseWwwAuthenticate } from './www-authenticate.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STACK_TRACE = /\n\s+at\s|node:internal|node_modules|\.[cm]?[jt]s:\d+:\d+/;
const ALGS = FAPI_ALGORITHMS.join(' ');

/**
 * Checks a response against a case's expectation, plus what holds for every response: a `Date`
 * header; on guarded routes (all but `publicRoute` answers) `Cache-Control: no-store` and a UUID `x-fapi-interaction-id`;
 * rejections as JSON `{ error, error_description }` with a parseable challenge (DPoP challenges
 * listing `algs`) except on 503; and never the token, the proof or a stack trace in the body.
 */
export function assertConformance(
  response: ConformanceResponse,
  request: ConformanceRequest,
  expected: ConformanceExpectation,
): void {
  const where = `${request.method} ${request.path.slice(0, 60)} -> ${response.status} ${response.text.slice(0, 300)}`;
  if (expected.orNoRoute && response.status === 404) {
    assertNoLeak(response, request, where);
    return;
  }
  assert.equal(response.status, expected.status, `status of ${where}`);
  assert.ok(response.headers['date'], `Date header (RS-HDR-03) on ${where}`);
  assertNoLeak(response, request, where);

  const guarded = !expected.publicRoute;
  if (guarded) {
    assert.equal(response.headers['cache-control'], 'no-store', `Cache-Control of ${where}`);
    assert.match(
      response.headers['x-fapi-interaction-id'] ?? '',
      UUID,
      `x-fapi-interaction-id of ${where}`,
    );
  }
  if (response.status >= 400) assertRejection(response, expected, where);
  else if (guarded) assertPrincipalBody(response, where);

  for (const [name, value] of Object.entries(expected.headers ?? {})) {
    const actual = response.headers[name.toLowerCase()];
    if (value === null) assert.equal(actual, undefined, `header ${name} absent on ${where}`);
    else if (value instanceof RegExp)
      assert.match(actual ?? '', value, `header ${name} of ${where}`);
    else assert.equal(actual, value, `header ${name} of ${where}`);
  }
  if (expected.body) assertPartial(response.json, expected.body, `body of ${where}`);
}

function assertRejection(
  response: ConformanceResponse,
  expected: ConformanceExpectation,
  where: string,
): void {
  assert.match(response.headers['content-type'] ?? '', /^application\/json\b/, `type of ${where}`);
  const body = response.json as Record<string, unknown> | undefined;
  assert.ok(body && typeof body === 'object', `JSON body of ${where}`);
  assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description'], `body of ${where}`);
  assert.equal(typeof body['error'], 'string', `body error of ${where}`);
  assert.equal(typeof body['error_description'], 'string', `error_description of ${where}`);
  if (typeof expected.error === 'string') {
    assert.equal(body['error'], expected.error, `body error of ${where}`);
  }
  if (expected.code) {
    assert.equal(
      body['error_description'],
      ERROR_CODES[expected.code].description,
      `error_description (${expected.code}) of ${where}`,
    );
  }

  const header = response.headers['www-authenticate'];
  if (response.status === 503) {
    assert.equal(header, undefined, `no challenge on 503: ${where}`);
    return;
  }
  const challenges = parseWwwAuthenticate(header);
  assert.ok(challenges.length > 0, `WWW-Authenticate on ${where}`);
  for (const challenge of challenges) {
    if (challenge.scheme.toLowerCase() === 'dpop') {
      assert.equal(challenge.params['algs'], ALGS, `DPoP algs of ${where}`);
    }
  }
  const withError = challenges.filter((challenge) => 'error' in challenge.params);
  if (expected.error === null) {
    assert.deepEqual(withError, [], `no error in any challenge: ${where}`);
  } else if (typeof expected.error === 'string') {
    assert.ok(withError.length > 0, `a challenge carries the error: ${where}`);
    for (const challenge of withError) {
      assert.equal(challenge.params['error'], expected.error, `challenge error of ${where}`);
    }
    const schemes = withError.map((challenge) => challenge.scheme).sort();
    if (expected.scheme === 'both') {
      assert.deepEqual(schemes, ['Bearer', 'DPoP'], `schemes carrying the error: ${where}`);
    } else if (expected.scheme) {
      assert.deepEqual(schemes, [expected.scheme], `scheme carrying the error: ${where}`);
    }
  }
}

function assertPrincipalBody(response: ConformanceResponse, where: string): void {
  const body = response.json as Record<string, unknown> | undefined;
  assert.ok(body && typeof body === 'object', `JSON body of ${where}`);
  assert.equal(typeof body['subject'], 'string', `subject of ${where}`);
  assert.equal(typeof body['clientId'], 'string', `clientId of ${where}`);
  assert.ok(Array.isArray(body['scopes']), `scopes of ${where}`);
  assert.equal(typeof (body['binding'] as { kind?: unknown })?.kind, 'string', where);
}

/** Neither the access token nor the proof (nor a form-body token) comes back; nor a stack trace. */
function assertNoLeak(
  response: ConformanceResponse,
  request: ConformanceRequest,
  where: string,
): void {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'dpop' && lower !== 'client-cert') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      secrets.push(lower === 'authorization' ? item.slice(item.indexOf(' ') + 1) : item);
    }
  }
  const query = new URL(request.path, 'http://x').searchParams.get('access_token');
  if (query) secrets.push(query);
  if (request.body && typeof request.body === 'object' && request.body['access_token']) {
    secrets.push(request.body['access_token']);
  }
  const everything = `${response.text}\n${Object.values(response.headers).join('\n')}`;
  for (const secret of secrets) {
    // Long credentials only: short test values such as "x" occur in any text.
    if (secret.length >= 16) {
      assert.ok(!everything.includes(secret), `the response repeats a credential: ${where}`);
    }
  }
  assert.doesNotMatch(response.text, STACK_TRACE, `stack trace in the body: ${where}`);
}

/** Objects match member by member (extra members allowed), RegExps test strings. */
function assertPartial(actual: unknown, expected: unknown, where: string): void {
  if (expected instanceof RegExp) {
    assert.match(String(actual), expected, where);
  } else if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === 'object', `${where}: not an object`);
    for (const [key, value] of Object.entries(expected)) {
      assertPartial((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
  } else {
    assert.deepEqual(actual, expected, where);
  }
}
