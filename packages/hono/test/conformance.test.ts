/**
 * The shared conformance table of @fapi-guard/testing, on Hono 4 served by @hono/node-server.
 * Left out: the cases of the HTTPS server with `requestCert` (client certificate from the TLS
 * socket), because a Web-standard `Request` carries no TLS client certificate; Hono gets
 * certificates only from a trusted proxy's `Client-Cert` header, whose cases all run.
 */
import { conformanceCases, runConformanceSuite } from '@fapi-guard/testing';
import { makeHonoApp } from './conformance-app.js';

const cases = conformanceCases.filter((row) => row.server !== 'tls');

describe('hono 4 (@hono/node-server)', () =>
  runConformanceSuite(makeHonoApp, { cases, publicBy: 'path' }));
