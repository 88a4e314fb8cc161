/** The shared conformance table of @fapi-guard/testing, over Express 5 and Express 4. */
import { runConformanceSuite } from '@fapi-guard/testing';
import express5 from 'express';
import express4 from 'express4';
import { makeExpressApp } from './conformance-app.js';

describe.each([
  ['express 5', makeExpressApp(express5)],
  ['express 4', makeExpressApp(express4)],
])('%s', (_name, make) => runConformanceSuite(make, { publicBy: 'path' }));
