// The soak target: Express + fapi-guard with default caps (replay store 100 000, token cache
// 10 000, proof-key cache 10 000). The clock is fixed so a million proofs can be made ahead of
// time; no replay entry ever expires, so the replay store sits at its cap: the worst case.
import express from 'express';
import { fapiErrorHandler, fapiGuard, requireScopes } from '../../packages/express/dist/index.js';

const NOW_MS = Number(process.env.FIXED_NOW_S) * 1000;
const guard = fapiGuard({
  issuer: process.env.ISSUER,
  audience: process.env.AUDIENCE,
  jwks: JSON.parse(process.env.JWKS),
  clock: () => NOW_MS,
});
const app = express();
app.get('/_memory', (_req, res) => {
  const { rss, heapUsed } = process.memoryUsage();
  res.json({ rss, heapUsed });
});
app.use(guard);
app.get('/accounts', requireScopes('accounts'), (req, res) =>
  res.json({ subject: req.fapi.subject }),
);
app.use(fapiErrorHandler());
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () =>
  process.stdout.write('ready\n'),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
