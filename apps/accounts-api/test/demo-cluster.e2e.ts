/**
 * `npm run demo:cluster` (scripts/demo-cluster.mjs) on free ports: the authorization server and
 * two API instances sharing Redis; the replay refused by B, A's nonce accepted by B; exit 0,
 * servers stopped and the run's Redis keys removed. Without Redis: a clear message, exit 1.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { ensureBuilt, runScript, type ScriptRun } from './support/servers.js';

const runDemo = (env: Record<string, string>) =>
  runScript('demo-cluster.mjs', { SKIP_BUILD: '1', ...env });

describe('npm run demo:cluster (scripts/demo-cluster.mjs)', () => {
  let run: ScriptRun;
  beforeAll(async () => {
    ensureBuilt();
    run = await runDemo({ PORT_A: '0', PORT_B: '0', AUTH_SERVER_PORT: '0' });
  }, 60_000);

  it('shows the replay refused by B and a fresh proof with A’s nonce accepted by B; exit 0', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    for (const line of [
      '  ✓ A asked for a nonce (401 use_dpop_nonce), then accepted the proof carrying it: 200',
      '    www-authenticate: DPoP error="invalid_dpop_proof", error_description="DPoP proof was already used"',
      '  ✓ refused by B: 401 invalid_dpop_proof, "DPoP proof was already used" (A recorded it in Redis)',
      "  ✓ accepted by B at once (200): B checks A's nonce with the shared DPOP_NONCE_SECRET",
      '  ✓ 2 keys: one per accepted proof (steps 2 and 4)',
      "Cluster demo complete: a proof accepted by A is refused by B; A's nonce is accepted by B.",
    ]) {
      expect(run.stdout).toContain(line);
    }
    expect(run.stdout).not.toContain('✗');
  });

  it("removes this run's replay keys from Redis", async () => {
    const prefix = /this run's replay keys: (\S+)\*/.exec(run.stdout)?.[1];
    expect(prefix).toMatch(/^fapi:demo:[0-9a-f-]{36}:$/);
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    try {
      await redis.connect();
      expect(await redis.keys(`${prefix}*`)).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('says how to start Redis when it does not answer, and exits 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const missing = await runDemo({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      `Redis not reachable at 127.0.0.1:${port} — start it with redis-server --daemonize yes --port ${port}`,
    );
  });
});
