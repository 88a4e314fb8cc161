/**
 * `npm start` without a terminal: scripts/start.mjs with WALKTHROUGH_ONLY=1 starts both servers
 * (any free ports), runs the walkthrough, prints the audit trail, stops the servers and exits 0.
 */
import { ensureBuilt, runScript, type ScriptRun } from './support/servers.js';

const runStart = (env: Record<string, string>) => runScript('start.mjs', env);

describe('npm start (scripts/start.mjs)', () => {
  let run: ScriptRun;
  beforeAll(async () => {
    ensureBuilt();
    run = await runStart({
      WALKTHROUGH_ONLY: '1',
      SKIP_BUILD: '1',
      PORT: '0',
      AUTH_SERVER_PORT: '0',
    });
  }, 60_000);

  it('runs the walkthrough and exits 0 with the servers stopped', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /started {5}authorization server https:\/\/127\.0\.0\.1:\d+, accounts API https:\/\/127\.0\.0\.1:\d+/,
    );
    expect(run.stdout).toContain(
      'Walkthrough complete: data for alice only, within the consent; two payments, 6 attacks refused, one step-up.',
    );
    expect(run.stdout).toContain('WALKTHROUGH_ONLY: stopping the servers (walkthrough ok).');
  });

  it('prints each request and answer, the payment replay and the three refusals', () => {
    for (const line of [
      '  par         POST /request',
      '  token       POST /token',
      '  ← 200 OK',
      '  ← 201 Created',
      '    idempotent-replayed: true',
      '  ✓ the original payment comes back (same paymentId): nothing is paid twice',
      '    www-authenticate: DPoP error="invalid_dpop_proof", error_description="DPoP proof was already used"',
      '    www-authenticate: Bearer error="invalid_token", error_description="A DPoP-bound access token must use the DPoP scheme"',
      '    www-authenticate: DPoP error="invalid_dpop_proof", error_description="DPoP proof htu does not match the request URI"',
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout.match(/✓ refused: 401 (invalid_dpop_proof|invalid_token)/g)).toEqual([
      '✓ refused: 401 invalid_dpop_proof',
      '✓ refused: 401 invalid_token',
      '✓ refused: 401 invalid_dpop_proof',
    ]);
    expect(run.stdout).not.toContain('✗');
  });

  it('signs the payments, verifies the signed answers, prints the evidence, refuses three forged signatures', () => {
    for (const line of [
      '━━ 5. Make a signed payment (scope payments): POST /domestic-payments',
      "  signed (RFC 9421, tag fapi-2-request) with dpop-client's private_key_jwt key, keyid DpgdWlnG1htR4RPjONHwDFb6N6u8o1fzDVdz3GyTmvA",
      '    signature-input: sig1=("@method" "@target-uri" "authorization" "dpop" "content-digest");created=',
      '    signature-input: sig1=("@status" "content-digest" "@method";req "@target-uri";req "content-digest";req "signature";req;key="sig1" "signature-input";req;key="sig1");created=',
      '  evidence kept with the payment (for disputes): label sig1',
      '    keyid DpgdWlnG1htR4RPjONHwDFb6N6u8o1fzDVdz3GyTmvA (',
      '    covers "@method" "@target-uri" "authorization" "dpop" "content-digest"',
      '  ✓ the payment record keeps the request signature: label, keyid, created, components, input, signature',
      '━━ 11. Attack: change the payment after it was signed',
      "━━ 12. Attack: sign with another client's key",
      '━━ 13. Attack: a signature created five minutes ago',
      '      "error_description": "The Content-Digest is missing, unsupported or does not match the body"',
      '      "error_description": "No key of the requesting client matches the request signature"',
      '      "error_description": "The request signature created time is missing or outside the accepted window"',
    ]) {
      expect(run.stdout).toContain(line);
    }
    // The key of the API's JWKS verified the answers of steps 5, 6 (bound to the signed
    // request) and 7.
    expect(
      run.stdout.match(/✓ response signature verified with the API's key [\w-]+: covers .*/g),
    ).toHaveLength(3);
    expect(run.stdout.match(/bound to our signed request/g)).toHaveLength(2);
    expect(run.stdout.match(/✓ refused: 401 ERR_FAPI_SIGNATURE_\w+/g)).toEqual([
      '✓ refused: 401 ERR_FAPI_SIGNATURE_DIGEST',
      '✓ refused: 401 ERR_FAPI_SIGNATURE_KEY',
      '✓ refused: 401 ERR_FAPI_SIGNATURE_CREATED',
    ]);
  });

  it('shows the consent enforced: 403 twice, the step-up challenge, then the payment', () => {
    for (const line of [
      '    payment_initiation: up to 750.00 GBP to Landlord Ltd GB82WEST12345698765432',
      '    www-authenticate: DPoP error="insufficient_authorization_details", error_description="The access token authorization details do not cover this request"',
      '  ✓ 403 insufficient_authorization_details: no account_access element names this account',
      '  ✓ 403 insufficient_authorization_details: no payment_initiation element covers this payment',
      '  ✓ 401 insufficient_user_authentication, acr_values="urn:fapi-guard:acr:strong" in the challenge',
      '  ✓ the new token carries acr urn:fapi-guard:acr:strong',
      '  ✓ 201: paid, the consent id recorded with the payment',
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout).toMatch(/under consent cns-[\w-]{16}\n/);
  });

  it('shows the audit trail: one JSON line per decision', () => {
    const audit = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{"time"'))
      .map((line) => JSON.parse(line) as { outcome: string; code?: string });
    expect(audit.map((l) => l.outcome)).toEqual([
      'allow',
      'allow',
      'allow',
      'allow',
      'allow',
      'allow',
      'deny',
      'deny',
      'deny',
      // The forged signatures: the token verified (allow), then the signature refused (deny).
      'allow',
      'deny',
      'allow',
      'deny',
      'allow',
      'deny',
      // The consent steps: the token verified (allow), then the consent refused (deny).
      'allow',
      'deny',
      'allow',
      'deny',
      'allow',
      'deny',
      'allow',
    ]);
    expect(audit.filter((l) => l.code).map((l) => l.code)).toEqual([
      'ERR_FAPI_DPOP_REPLAY',
      'ERR_FAPI_DPOP_DOWNGRADE',
      'ERR_FAPI_DPOP_HTU_MISMATCH',
      'ERR_FAPI_SIGNATURE_DIGEST',
      'ERR_FAPI_SIGNATURE_KEY',
      'ERR_FAPI_SIGNATURE_CREATED',
      'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS',
      'ERR_FAPI_INSUFFICIENT_AUTHORIZATION_DETAILS',
      'ERR_FAPI_ACR_INSUFFICIENT',
    ]);
  });
});
