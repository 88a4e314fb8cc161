/**
 * `npm run demo:cluster` (scripts/demo-cluster.mjs) on free ports: the authorization server and
 * two API instances sharing Redis and PostgreSQL; the replay refused by B, A's nonce accepted by
 * B, one payment sent to both paid once; exit 0, servers stopped, the run's Redis keys removed
 * and its database dropped. Without Redis or PostgreSQL: a clear message, exit 1.
 */
import { Redis } from 'ioredis';
import { databaseExists } from './support/databases.js';
import { closedPort, ensureBuilt, runScript, type ScriptRun } from './support/servers.js';

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
      '  ✓ both 201 with the same paymentId; one is the replay (idempotent-replayed: true)',
      '  ✓ PostgreSQL holds 1 payment for that key: paid once',
      "Cluster demo complete: a proof accepted by A is refused by B; A's nonce is accepted by B; " +
        'one payment sent to both is paid once.',
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

  it('drops the database it created for the run', async () => {
    const name = /this run's database: (fapi_guard_demo_[0-9a-f]{12}) \(dropped at the end\)/.exec(
      run.stdout,
    )?.[1];
    expect(name).toBeDefined();
    expect(await databaseExists(name!)).toBe(false);
  });

  it('says how to start Redis when it does not answer, and exits 1', async () => {
    const port = await closedPort();
    const missing = await runDemo({ REDIS_URL: `redis://127.0.0.1:${port}` });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      `Redis not reachable at 127.0.0.1:${port} — start it with redis-server --daemonize yes --port ${port}`,
    );
  });

  it('says how to start PostgreSQL when it does not answer, and exits 1', async () => {
    const port = await closedPort();
    const missing = await runDemo({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/demo` });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      `PostgreSQL not reachable at 127.0.0.1:${port} — start it (e.g. pg_ctlcluster 15 main start)`,
    );
  });
});
