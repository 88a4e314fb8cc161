/**
 * `METRICS_PORT`: an OpenTelemetry SDK meter provider with a Prometheus exporter serving
 * `GET /metrics` on that port (same host as the API, plain HTTP: keep it off public networks).
 * fapi-guard records through `@opentelemetry/api`; it must be registered before the resource
 * server is created, so the API starts it first.
 */
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** The running exporter; `close` stops its server and unregisters the provider. */
export interface MetricsExporter {
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the exporter and registers its meter provider globally.
 *
 * @example
 * const exporter = await startMetricsExporter('127.0.0.1', 9464);
 * // curl http://127.0.0.1:9464/metrics
 */
export async function startMetricsExporter(host: string, port: number): Promise<MetricsExporter> {
  const exporter = new PrometheusExporter({ host, port, preventServerStart: true });
  await exporter.startServer();
  const provider = new MeterProvider({ readers: [exporter] });
  if (!metrics.setGlobalMeterProvider(provider)) {
    await provider.shutdown();
    throw new Error('METRICS_PORT: another OpenTelemetry meter provider is already registered');
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/metrics`,
    async close() {
      metrics.disable();
      await provider.shutdown();
    },
  };
}
