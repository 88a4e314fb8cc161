import { runConformanceSuite } from '@fapi-guard/testing';
import { makeNestApp } from './conformance-app.js';

describe.each([
  ['express', makeNestApp('express')],
  ['fastify', makeNestApp('fastify')],
])('Nest on %s', (_, make) => runConformanceSuite(make));
