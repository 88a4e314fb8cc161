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
      'Walkthrough complete: data for alice only, one payment, 3 attacks refused.',
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
    ]);
    expect(audit.slice(-3).map((l) => l.code)).toEqual([
      'ERR_FAPI_DPOP_REPLAY',
      'ERR_FAPI_DPOP_DOWNGRADE',
      'ERR_FAPI_DPOP_HTU_MISMATCH',
    ]);
  });
});
