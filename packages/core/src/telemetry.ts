/**
 * OpenTelemetry instrumentation through `@opentelemetry/api` only: the application's SDK (if it
 * registers one) collects and exports. Nothing here carries a token, a proof, a key, a
 * certificate or the subject: only outcome, error code, binding kind and (on spans) client id.
 */
import {
  createNoopMeter,
  metrics,
  ProxyTracerProvider,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Counter,
  type Histogram,
  type Tracer,
} from '@opentelemetry/api';
import { FapiError } from './errors.js';
import type { ReplayStore } from './replay-store.js';
import type { ResourceServer } from './types.js';

/** The instrumentation scope name of every instrument and span. */
export const TELEMETRY_SCOPE = '@fapi-guard/core';
/** Counter of decisions, by `fapi_guard.outcome`, `fapi_guard.code` and `fapi_guard.binding`. */
export const DECISIONS_METRIC = 'fapi_guard.decisions';
/** Histogram of the time `verify` takes, in seconds, by `fapi_guard.outcome`. */
export const VERIFY_DURATION_METRIC = 'fapi_guard.verify.duration';
/** Histogram of the time the DPoP replay store takes, in seconds, by `fapi_guard.replay_store.result`. */
export const REPLAY_STORE_DURATION_METRIC = 'fapi_guard.replay_store.duration';
/** The span around each `verify`. */
export const VERIFY_SPAN = 'fapi_guard.verify';

/** Bucket boundaries for sub-millisecond to multi-second work, in seconds. */
const DURATION_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * The instruments, made once per resource server (undefined members: that signal is a no-op).
 *
 * @example
 * createTelemetry()?.decisions?.add(1, { 'fapi_guard.outcome': 'allow' });
 */
export interface Telemetry {
  decisions: Counter | undefined;
  verifyDuration: Histogram | undefined;
  replayStoreDuration: Histogram | undefined;
  tracer: Tracer | undefined;
}

/**
 * The instruments, or undefined when neither a meter nor a tracer provider is registered (the
 * API is then a no-op: nothing is measured and no attribute is built). Register the SDK before
 * creating the resource server: the choice is made here, once.
 *
 * @example
 * metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
 * const telemetry = createTelemetry(); // now defined
 * @see https://opentelemetry.io/docs/specs/otel/metrics/api/
 */
export function createTelemetry(): Telemetry | undefined {
  const meter = metrics.getMeter(TELEMETRY_SCOPE);
  const meterActive = !(meter instanceof (createNoopMeter().constructor as new () => object));
  const provider = trace.getTracerProvider();
  const tracerActive = !(
    provider instanceof ProxyTracerProvider &&
    provider.getDelegate() === new ProxyTracerProvider().getDelegate()
  );
  if (!meterActive && !tracerActive) return undefined;
  const seconds = (name: string, description: string) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS_S },
    });
  return {
    decisions: meterActive
      ? meter.createCounter(DECISIONS_METRIC, {
          description: 'Authorization decisions of the FAPI resource server',
          unit: '{decision}',
        })
      : undefined,
    verifyDuration: meterActive
      ? seconds(VERIFY_DURATION_METRIC, 'Time spent verifying a request')
      : undefined,
    replayStoreDuration: meterActive
      ? seconds(REPLAY_STORE_DURATION_METRIC, 'Time spent in the DPoP replay store')
      : undefined,
    tracer: tracerActive ? trace.getTracer(TELEMETRY_SCOPE) : undefined,
  };
}

/**
 * Times each `checkAndStore` of a replay store; the store itself is unchanged.
 *
 * @example
 * const store = instrumentReplayStore(memoryReplayStore(), createTelemetry());
 */
export function instrumentReplayStore(
  store: ReplayStore,
  telemetry: Telemetry | undefined,
): ReplayStore {
  const histogram = telemetry?.replayStoreDuration;
  if (!histogram) return store;
  const record = (startedMs: number, result: 'new' | 'replay' | 'error') =>
    histogram.record((performance.now() - startedMs) / 1000, REPLAY_RESULT_ATTRIBUTES[result]);
  return {
    checkAndStore(key, ttlSeconds) {
      const startedMs = performance.now();
      let answer: boolean | Promise<boolean>;
      try {
        answer = store.checkAndStore(key, ttlSeconds);
      } catch (error) {
        record(startedMs, 'error');
        throw error;
      }
      if (!(answer instanceof Promise)) {
        record(startedMs, answer ? 'new' : 'replay');
        return answer;
      }
      return answer.then(
        (fresh) => {
          record(startedMs, fresh ? 'new' : 'replay');
          return fresh;
        },
        (error: unknown) => {
          record(startedMs, 'error');
          throw error;
        },
      );
    },
    ...(store.close ? { close: () => store.close?.() } : {}),
  };
}

/**
 * Wraps `verify` and `authorize` of a resource server (in place) so each decision is counted,
 * each `verify` timed and traced. Rejections keep their identity: the same FapiError is thrown.
 *
 * @example
 * instrumentResourceServer(server, createTelemetry());
 * @see https://opentelemetry.io/docs/specs/semconv/general/metrics/
 */
export function instrumentResourceServer(
  server: ResourceServer,
  telemetry: Telemetry | undefined,
): void {
  if (!telemetry) return;
  const { decisions, verifyDuration, tracer } = telemetry;
  const verify = server.verify.bind(server);
  const authorize = server.authorize.bind(server);

  server.verify = async (request, requirements) => {
    const startedMs = performance.now();
    const span = tracer?.startSpan(VERIFY_SPAN, { kind: SpanKind.INTERNAL });
    let attributes!: Attributes;
    try {
      const principal = await verify(request, requirements);
      attributes = ALLOW_ATTRIBUTES[principal.binding.kind];
      span?.setAttribute('fapi_guard.client_id', principal.clientId);
      return principal;
    } catch (error) {
      attributes = denial(error);
      if (span) {
        span.setAttribute('error.type', String(attributes['fapi_guard.code']));
        if (error instanceof FapiError && error.status >= 500) {
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      throw error;
    } finally {
      const durationS = (performance.now() - startedMs) / 1000;
      decisions?.add(1, attributes);
      verifyDuration?.record(
        durationS,
        OUTCOME_ATTRIBUTES[attributes['fapi_guard.outcome'] as Outcome],
      );
      span?.setAttributes(attributes);
      span?.end();
    }
  };

  server.authorize = (principal, requirements, context) => {
    try {
      return authorize(principal, requirements, context);
    } catch (error) {
      decisions?.add(1, { ...denial(error), 'fapi_guard.binding': principal.binding.kind });
      throw error;
    }
  };
}

type Outcome = 'allow' | 'deny';

/** Attribute sets that never change, made once (the warm path allocates none). */
const OUTCOME_ATTRIBUTES: Record<Outcome, Attributes> = {
  allow: { 'fapi_guard.outcome': 'allow' },
  deny: { 'fapi_guard.outcome': 'deny' },
};
const ALLOW_ATTRIBUTES: Record<'dpop' | 'mtls' | 'bearer', Attributes> = {
  dpop: { 'fapi_guard.outcome': 'allow', 'fapi_guard.binding': 'dpop' },
  mtls: { 'fapi_guard.outcome': 'allow', 'fapi_guard.binding': 'mtls' },
  bearer: { 'fapi_guard.outcome': 'allow', 'fapi_guard.binding': 'bearer' },
};
const REPLAY_RESULT_ATTRIBUTES: Record<'new' | 'replay' | 'error', Attributes> = {
  new: { 'fapi_guard.replay_store.result': 'new' },
  replay: { 'fapi_guard.replay_store.result': 'replay' },
  error: { 'fapi_guard.replay_store.result': 'error' },
};

function denial(error: unknown): Attributes {
  return {
    'fapi_guard.outcome': 'deny',
    'fapi_guard.code': error instanceof FapiError ? error.code : 'ERR_FAPI_UNEXPECTED',
  };
}
