/**
 * METRICS_PORT: the API, trusting the dev authorization server by its issuer alone (discovery),
 * exports fapi-guard's OpenTelemetry metrics in Prometheus format; after real requests the
 * decisions counter carries outcome, code and binding, and the durations are there.
 */
import { createServer } from 'node:net';
import { spawnAuthServer, type SpawnedAuthServer } from '../../auth-server/src/spawn.js';
import { ensureBuilt, spawnAccountsApi, type SpawnedApi } from './support/servers.js';
import { dpopSession, expectRefused, type DpopSession } from './support/sessions.js';

let as: SpawnedAuthServer;
let api: SpawnedApi;
let alice: DpopSession | undefined;
let metricsUrl: string;

/** A port free right now (the exporter binds it just after). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

beforeAll(async () => {
  ensureBuilt();
  as = await spawnAuthServer();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  api = await spawnAccountsApi({ AS_ISSUER: as.issuer, METRICS_PORT: String(port) });
}, 60_000);

afterAll(async () => {
  await alice?.client.close();
  await Promise.all([api?.stop(), as?.stop()]);
});

async function scrape(): Promise<string> {
  const response = await fetch(metricsUrl);
  expect(response.status).toBe(200);
  return response.text();
}

it('is found by discovery and exports the decisions with outcome, code and binding', async () => {
  alice = await dpopSession({ issuer: as.issuer, resource: api.url });
  const list = await alice.client.call('GET', `${api.url}/accounts`);
  expect(list.response.status).toBe(200);
  expectRefused(await alice.client.send(list.request), 401, 'invalid_dpop_proof');

  const text = await scrape();
  // The exporter adds the instrumentation scope as a label: otel_scope_name="@fapi-guard/core".
  const series = (name: string, labels: string) =>
    new RegExp(`^${name}\\{${labels},otel_scope_name="@fapi-guard/core"[^}]*\\} (\\S+)$`, 'm').exec(
      text,
    )?.[1];
  expect(
    series('fapi_guard_decisions_total', 'fapi_guard_outcome="allow",fapi_guard_binding="dpop"'),
  ).toBe('1');
  expect(
    series(
      'fapi_guard_decisions_total',
      'fapi_guard_outcome="deny",fapi_guard_code="ERR_FAPI_DPOP_REPLAY"',
    ),
  ).toBe('1');
  expect(series('fapi_guard_verify_duration_count', 'fapi_guard_outcome="allow"')).toBe('1');
  expect(series('fapi_guard_verify_duration_count', 'fapi_guard_outcome="deny"')).toBe('1');
  expect(text).toContain('# UNIT fapi_guard_verify_duration s');
  expect(
    series('fapi_guard_replay_store_duration_count', 'fapi_guard_replay_store_result="new"'),
  ).toBe('1');
  expect(
    series('fapi_guard_replay_store_duration_count', 'fapi_guard_replay_store_result="replay"'),
  ).toBe('1');
  expect(text).not.toContain(alice.token.accessToken);
  expect(text).not.toContain('alice');
});
