import Koa from 'koa';
import { fapiErrorHandler, fapiGuard, requireScopes } from '../../packages/koa/dist/index.js';
import { PORT, fapiOptions, ready } from './common.mjs';

const app = new Koa();
const accounts = requireScopes('accounts');
app.use(fapiErrorHandler());
app.use(fapiGuard(fapiOptions));
app.use(async (ctx, next) => {
  if (ctx.path !== '/accounts') return next();
  await accounts(ctx, async () => {
    ctx.body = { subject: ctx.state.fapi.subject };
  });
});
const server = app.listen(PORT, '127.0.0.1', () => ready(server));
