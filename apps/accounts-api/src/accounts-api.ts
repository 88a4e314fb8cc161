/**
 * Starts the sample API: HTTPS (TLS 1.2+, FAPI cipher suites) on the configured host and port,
 * asking every client for a certificate without validating its chain (RFC 8705 binds tokens to
 * self-signed certificates by thumbprint), then the Nest application behind it.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import 'reflect-metadata';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { HttpAdapterHost, ModulesContainer, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { ApiExceptionFilter } from './common/api-exception.filter.js';
import { fapiHeaders } from './common/fapi-headers.middleware.js';
import { captureRawBody } from './common/raw-body.middleware.js';
import { JsonBodyInterceptor } from './common/json-body.interceptor.js';
import { routeMethods } from './common/route-methods.js';
import { JsonLogger } from './common/json-logger.js';
import { validationPipe } from './common/validation.pipe.js';
import { resolveConfig, type AppConfig, type ResolvedAppConfig } from './config/app-config.js';
import { setupOpenApi } from './openapi/openapi.js';
import type { SharedOverrides } from './shared/shared.module.js';
import { startMetricsExporter, type MetricsExporter } from './telemetry/metrics-exporter.js';

/**
 * TLS 1.3 suites and the TLS 1.2 suites BCP 195 recommends (FAPI 2.0 SP 5.2.2, RS-GEN-06).
 */
export const FAPI_TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
].join(':');

export interface StartOptions extends SharedOverrides {
  /** Default: JSON lines on stderr at `LOG_LEVEL`. */
  logger?: LoggerService | false;
}

export interface RunningAccountsApi {
  /** The public URL, e.g. https://127.0.0.1:3000 */
  url: string;
  /**
   * Where this process listens, e.g. https://127.0.0.1:3001: the public URL unless `PUBLIC_URL`
   * names another address (a load balancer's).
   */
  listenUrl: string;
  config: ResolvedAppConfig;
  app: INestApplication;
  server: https.Server;
  /** Stops accepting connections, closes the application (verifier, stores, agents). */
  close(): Promise<void>;
}

function listen(server: https.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Listens first (so `PORT=0` works and the public URL carries the real port), then builds the
 * Nest application with the resolved configuration and hands it the requests.
 */
export async function startAccountsApi(
  config: AppConfig,
  options: StartOptions = {},
): Promise<RunningAccountsApi> {
  let handle = (_request: IncomingMessage, response: ServerResponse): void => {
    response.statusCode = 503;
    response.setHeader('retry-after', '1');
    response.end();
  };
  const server = https.createServer(
    {
      cert: config.tls.cert,
      key: config.tls.key,
      minVersion: 'TLSv1.2',
      ciphers: FAPI_TLS_CIPHERS,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (request, response) => handle(request, response),
  );
  const port = await listen(server, config.port, config.host);
  const resolved = resolveConfig(config, port);

  let metrics: MetricsExporter | undefined;
  try {
    // Before the application: fapi-guard picks up the meter provider when its verifier is made.
    if (config.metricsPort !== undefined) {
      metrics = await startMetricsExporter(config.host, config.metricsPort);
    }
    const adapter = new ExpressAdapter();
    // No framework banner; no ETag on answers that must not be cached anyway.
    adapter.getInstance().disable('x-powered-by').set('etag', false);
    const { logger = new JsonLogger(resolved.logLevels), ...overrides } = options;
    const app = await NestFactory.create(AppModule.register(resolved, overrides), adapter, {
      logger,
      abortOnError: false,
      // Bodies are parsed after the throttler and the FAPI guard (JsonBodyInterceptor), so a
      // malformed body is rate limited and audited like any request. Their bytes are kept
      // before the guard (captureRawBody, at most 100 KiB, else 413 at once): a payment's
      // signature covers their digest. They land on `req.rawBody`, where Nest's
      // `rawBody: true` would put them; that option acts only with Nest's own body parser.
      bodyParser: false,
    });
    app.use(fapiHeaders(), captureRawBody());
    app.useGlobalFilters(
      new ApiExceptionFilter(app.get(HttpAdapterHost), routeMethods(app.get(ModulesContainer))),
    );
    app.useGlobalInterceptors(new JsonBodyInterceptor());
    app.useGlobalPipes(validationPipe());
    setupOpenApi(app, resolved);
    await app.init();
    handle = adapter.getInstance();

    let closing: Promise<void> | undefined;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      url: resolved.publicUrl,
      listenUrl: `https://${host}:${port}`,
      config: resolved,
      app,
      server,
      close: () =>
        (closing ??= (async () => {
          const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await app.close();
          server.closeAllConnections();
          await stopped;
          await metrics?.close();
        })()),
    };
  } catch (error) {
    server.close();
    await metrics?.close();
    throw error;
  }
}
