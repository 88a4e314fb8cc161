import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { fapiGuard, requireScopes } from '../../packages/hono/dist/index.js';
import { PORT, fapiOptions, ready } from './common.mjs';

const app = new Hono();
app.use(fapiGuard(fapiOptions));
app.get('/accounts', requireScopes('accounts'), (c) => c.json({ subject: c.get('fapi').subject }));
const server = createAdaptorServer({ fetch: app.fetch });
server.listen(PORT, '127.0.0.1', () => ready(server));
