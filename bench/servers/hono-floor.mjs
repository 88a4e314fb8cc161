// The Hono floor, served by @hono/node-server: one middleware that makes the floor check, and a
// route answering the same JSON as Hono + fapi-guard.
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { PORT, ready } from './common.mjs';
import { body, floorAccepts, rejection } from './floor-check.mjs';

const app = new Hono();
app.use(async (c, next) => {
  if (!floorAccepts(c.req.header('authorization'), c.req.header('dpop')))
    return c.json(rejection, 401);
  return next();
});
app.get('/accounts', (c) => c.json(body()));
const server = createAdaptorServer({ fetch: app.fetch });
server.listen(PORT, '127.0.0.1', () => ready(server));
