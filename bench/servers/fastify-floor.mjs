// The Fastify floor: an onRequest hook (Fastify's place for authentication) that makes the floor
// check, and a route answering the same JSON as Fastify + fapi-guard.
import Fastify from 'fastify';
import { PORT, ready } from './common.mjs';
import { body, floorAccepts, rejection } from './floor-check.mjs';

const app = Fastify();
app.addHook('onRequest', async (request, reply) => {
  if (!floorAccepts(request.headers.authorization, request.headers.dpop))
    return reply.code(401).send(rejection);
});
app.get('/accounts', () => body());
await app.listen({ port: PORT, host: '127.0.0.1' });
ready(app.server);
