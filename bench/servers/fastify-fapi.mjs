import Fastify from 'fastify';
import { fapiGuard } from '../../packages/fastify/dist/index.js';
import { PORT, fapiOptions, ready } from './common.mjs';

const app = Fastify();
await app.register(fapiGuard, fapiOptions);
app.get('/accounts', { config: { fapi: { scopes: ['accounts'] } } }, (request) => ({
  subject: request.fapi.subject,
}));
await app.listen({ port: PORT, host: '127.0.0.1' });
ready(app.server);
