/** The shared conformance table of @fapi-guard/testing, on Fastify 5 (TLS socket and trusted proxy). */
import { runConformanceSuite } from '@fapi-guard/testing';
import { makeFastifyApp } from './conformance-app.js';

describe('fastify 5', () => runConformanceSuite(makeFastifyApp, { publicBy: 'handler' }));
