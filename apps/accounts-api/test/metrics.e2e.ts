/**
 * METRICS_PORT: the API, trusting the dev authorization server by its issuer alone (discovery),
 * exports fapi-guard's OpenTelemetry metrics in Prometheus format; after real requests the
 * decisions counter carries outcome, code and binding, and the durations are there.
 */
import { demoBank } from './support/demo-bank.js';
import { closedPort } from './support/servers.js';
import { expectRefused } from './support/sessions.js';

let metricsPort: number | undefined;
beforeAll(async () => {
  metricsPort = await closedPort(); // the exporter binds it just after
});
const bank = demoBank({}, { api: () => ({ METRICS_PORT: String(metricsPort) }) });

async function scrape(): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

it('is found by discovery and exports the decisions with outcome, code and binding', async () => {
  const alice = await bank.dpopSession('alice', { scope: 'openid accounts' });
  const list = await alice.client.call('GET', `${bank.api.url}/accounts`);
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
