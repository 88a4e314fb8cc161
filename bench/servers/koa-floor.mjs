// The Koa floor: one middleware that makes the floor check and answers the same JSON as
// Koa + fapi-guard.
import Koa from 'koa';
import { PORT, ready } from './common.mjs';
import { body, floorAccepts, rejection } from './floor-check.mjs';

const app = new Koa();
app.use(async (ctx, next) => {
  if (ctx.path !== '/accounts') return next();
  if (!floorAccepts(ctx.get('authorization'), ctx.get('dpop'))) {
    ctx.status = 401;
    ctx.body = rejection;
    return;
  }
  ctx.body = body();
});
const server = app.listen(PORT, '127.0.0.1', () => ready(server));
