import express from 'express';
import { fapiErrorHandler, fapiGuard, requireScopes } from '../../packages/express/dist/index.js';
import { PORT, fapiOptions, ready } from './common.mjs';

const app = express();
app.use(fapiGuard(fapiOptions));
app.get('/accounts', requireScopes('accounts'), (req, res) =>
  res.json({ subject: req.fapi.subject }),
);
app.use(fapiErrorHandler());
const server = app.listen(PORT, '127.0.0.1', () => ready(server));
