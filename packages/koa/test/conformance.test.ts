/** The shared conformance table of @fapi-guard/testing, over Koa 3 and Koa 2. */
import { runConformanceSuite } from '@fapi-guard/testing';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { makeKoaApp } from './conformance-app.js';

describe.each([
  ['koa 3', makeKoaApp(Koa3)],
  ['koa 2', makeKoaApp(Koa2)],
])('%s', (_name, make) => runConformanceSuite(make, { publicBy: 'path' }));
