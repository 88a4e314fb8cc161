/** OpenTelemetry: decisions counted, verify and replay store timed, one span per verification. */
import {
  metrics,
  trace,
  type Attributes,
  type AttributeValue,
  type Span,
  type SpanContext,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import {
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
} from '@opentelemetry/sdk-metrics';
import type { ResourceServerOptions } from '../src/index.js';
import { createTelemetry } from '../src/telemetry.js';
import { createKit, expectRejection, type Kit } from './fixture.js';

class TestReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A span that remembers what was set on it (the SDK's job, reduced to what the test reads). */
class RecordedSpan implements Span {
  attributes: Attributes = {};
  status: SpanStatus | undefined;
  ended = false;
  constructor(readonly name: string) {}
  spanContext(): SpanContext {
    return { traceId: '1'.repeat(32), spanId: '1'.repeat(16), traceFlags: 1 };
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(): this {
    return this;
  }
  addLink(): this {
    return this;
  }
  addLinks(): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(): void {
    this.ended = true;
  }
  isRecording(): boolean {
    return true;
  }
  recordException(): void {}
}

const spans: RecordedSpan[] = [];
const tracer = {
  startSpan(name: string) {
    const span = new RecordedSpan(name);
    spans.push(span);
    return span;
  },
  startActiveSpan() {
    throw new Error('not used');
  },
} as unknown as Tracer;
const tracerProvider: TracerProvider = { getTracer: () => tracer };

let kit: Kit;
const reader = new TestReader();

test('without an OpenTelemetry SDK nothing is instrumented (the API is a no-op)', () => {
  expect(createTelemetry()).toBeUndefined();
});

describe('with an SDK registered', () => {
  beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    trace.setGlobalTracerProvider(tracerProvider);
    kit = await createKit();
  });
  beforeEach(() => {
    spans.length = 0;
  });

  async function server(options: Partial<ResourceServerOptions> = {}) {
    return (await createKit(options)).rs;
  }

  async function collect() {
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    return (name: string) =>
      all.find((metric) => metric.descriptor.name === name)?.dataPoints ?? [];
  }

  const count = (points: DataPoint<unknown>[], attributes: Attributes) =>
    points
      .filter((p) => JSON.stringify(p.attributes) === JSON.stringify(attributes))
      .reduce((sum, p) => sum + (typeof p.value === 'number' ? p.value : 0), 0);

  test('counts allow and deny decisions by outcome, code and binding, and times verify', async () => {
    const rs = await server();
    const before = await collect();
    const allowBefore = count(before('fapi_guard.decisions'), {
      'fapi_guard.outcome': 'allow',
      'fapi_guard.binding': 'dpop',
    });
    await rs.verify(await kit.dpopRequest());
    await expectRejection(
      rs,
      { method: 'GET', url: 'https://api.bank.test/x', headers: {} },
      {
        status: 401,
        code: 'ERR_FAPI_NO_CREDENTIALS',
        error: null,
      },
    );
    const after = await collect();
    const decisions = after('fapi_guard.decisions');
    expect(count(decisions, { 'fapi_guard.outcome': 'allow', 'fapi_guard.binding': 'dpop' })).toBe(
      allowBefore + 1,
    );
    expect(
      count(decisions, {
        'fapi_guard.outcome': 'deny',
        'fapi_guard.code': 'ERR_FAPI_NO_CREDENTIALS',
      }),
    ).toBeGreaterThanOrEqual(1);
    const durations = after('fapi_guard.verify.duration') as DataPoint<Histogram>[];
    expect(durations.map((p) => p.attributes['fapi_guard.outcome']).sort()).toEqual([
      'allow',
      'deny',
    ]);
    expect(durations.every((p) => p.value.count >= 1 && p.value.sum! >= 0)).toBe(true);
  });

  test('times the replay store, telling new proofs from replays', async () => {
    const rs = await server();
    const request = await kit.dpopRequest();
    await rs.verify(request);
    await expectRejection(rs, request, { status: 401, code: 'ERR_FAPI_DPOP_REPLAY' });
    const points = (await collect())('fapi_guard.replay_store.duration') as DataPoint<Histogram>[];
    const results = points.map((p) => p.attributes['fapi_guard.replay_store.result']);
    expect(results).toEqual(expect.arrayContaining(['new', 'replay']));
  });

  test('counts a route requirement refused after verification (authorize)', async () => {
    const rs = await server();
    const key = {};
    const request = await kit.dpopRequest();
    await expect(
      rs.forRequest(key, () => request).require({ scopes: ['admin'] }),
    ).rejects.toMatchObject({
      code: 'ERR_FAPI_INSUFFICIENT_SCOPE',
    });
    const decisions = (await collect())('fapi_guard.decisions');
    expect(
      count(decisions, {
        'fapi_guard.outcome': 'deny',
        'fapi_guard.code': 'ERR_FAPI_INSUFFICIENT_SCOPE',
        'fapi_guard.binding': 'dpop',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  test('one span per verification, carrying no token, proof, key or subject', async () => {
    const rs = await server();
    const request = await kit.dpopRequest();
    const principal = await rs.verify(request);
    await expectRejection(rs, request, { status: 401, code: 'ERR_FAPI_DPOP_REPLAY' });
    expect(spans.map((s) => [s.name, s.ended])).toEqual([
      ['fapi_guard.verify', true],
      ['fapi_guard.verify', true],
    ]);
    expect(spans[0]?.attributes).toEqual({
      'fapi_guard.outcome': 'allow',
      'fapi_guard.binding': 'dpop',
      'fapi_guard.client_id': principal.clientId,
    });
    expect(spans[1]?.attributes).toEqual({
      'fapi_guard.outcome': 'deny',
      'fapi_guard.code': 'ERR_FAPI_DPOP_REPLAY',
      'error.type': 'ERR_FAPI_DPOP_REPLAY',
    });
    const values = spans.flatMap((s) => Object.values(s.attributes).map(String));
    const secrets = [
      String((request.headers as Record<string, string>).authorization).slice('DPoP '.length),
      String((request.headers as Record<string, string>).dpop),
      principal.subject,
      kit.dpopKey.jkt,
    ];
    for (const secret of secrets) expect(values).not.toContain(secret);
  });

  test('a 503 marks the span as an error', async () => {
    const rs = await server({ jwks: undefined, jwksUri: 'http://127.0.0.1:9/jwks' });
    await expectRejection(rs, await kit.dpopRequest(), {
      status: 503,
      code: 'ERR_FAPI_KEYS_UNAVAILABLE',
    });
    expect(spans[0]?.status).toEqual({ code: 2 });
  });

  test('telemetry: false records nothing', async () => {
    const rs = await server({ telemetry: false });
    const values = async () =>
      (await collect())('fapi_guard.decisions').map((p) => [p.attributes, p.value]);
    const before = await values();
    await rs.verify(await kit.dpopRequest());
    expect(await values()).toEqual(before);
    expect(spans).toEqual([]);
  });

  test('telemetry must be a boolean', async () => {
    await expect(server({ telemetry: 'on' as never })).rejects.toThrow(
      /telemetry: must be a boolean/,
    );
  });
});
