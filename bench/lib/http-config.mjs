// Command line of bench/http.mjs: the servers it can run and the flags, checked strictly (an
// unknown flag or a bad value is a TypeError naming it).
import { parseArgs } from 'node:util';
import { allowedCpus, hasTaskset } from './processes.mjs';

export const USAGE = `Usage: node bench/http.mjs [options]
  --rounds N        rounds; each runs every server once (default 5; medians need 3 or more)
  --seconds S       measured seconds per server per round (default 4)
  --warmup S        unmeasured load before each measurement (default 1; 0 for none)
  --retries N       measure a run again, up to N times, while other processes take more than
                    10 % of the server's core (default 0; try 2 on a busy machine)
  --connections C   concurrent connections of the load generator (default 32)
  --only LIST       comma-separated server ids, or parts of ids, to run: koa,express-floor
  --port P          port the servers listen on, on 127.0.0.1 (default 39123)
  --quick           3 rounds of 4 s (explicit --rounds / --seconds win)
  --no-pin          do not pin the server and the load generator to separate CPUs
  --help            this text
Server ids: `;

/** Every server the bench can run, in the order a round runs them. */
export const SERVERS = [
  { id: 'express-plain', name: 'Express, no auth', framework: 'Express', role: 'plain' },
  { id: 'express-floor', name: 'Express floor', framework: 'Express', role: 'floor' },
  { id: 'express-fapi', name: 'Express + fapi-guard', framework: 'Express', role: 'fapi' },
  { id: 'express-peer', name: 'Express + express-oauth2-jwt-bearer', role: 'peer' },
  { id: 'koa-floor', name: 'Koa floor', framework: 'Koa', role: 'floor' },
  { id: 'koa-fapi', name: 'Koa + fapi-guard', framework: 'Koa', role: 'fapi' },
  { id: 'nest-express-floor', name: 'Nest (Express) floor', framework: 'Nest (Express)' },
  { id: 'nest-express-fapi', name: 'Nest (Express) + fapi-guard', framework: 'Nest (Express)' },
  { id: 'nest-fastify-floor', name: 'Nest (Fastify) floor', framework: 'Nest (Fastify)' },
  { id: 'nest-fastify-fapi', name: 'Nest (Fastify) + fapi-guard', framework: 'Nest (Fastify)' },
  { id: 'fastify-floor', name: 'Fastify floor', framework: 'Fastify' },
  { id: 'fastify-fapi', name: 'Fastify + fapi-guard', framework: 'Fastify' },
  { id: 'hono-floor', name: 'Hono (node-server) floor', framework: 'Hono' },
  { id: 'hono-fapi', name: 'Hono (node-server) + fapi-guard', framework: 'Hono' },
].map((server) => ({
  ...server,
  role: server.role ?? (server.id.endsWith('floor') ? 'floor' : 'fapi'),
  script: scriptOf(server.id),
  env: server.id.startsWith('nest-') ? { PLATFORM: server.id.split('-')[1] } : {},
}));

function scriptOf(id) {
  if (id === 'express-plain') return 'plain-express.mjs';
  if (id === 'express-peer') return 'peer-auth0.mjs';
  return `${id.replace(/^nest-(express|fastify)/, 'nest')}.mjs`;
}

/** Whether an `--only` entry selects server `id`: a whole id selects only itself. */
export function selects(part, id) {
  return SERVERS.some((s) => s.id === part) ? part === id : id.includes(part);
}

/** Reads the flags (environment variables BENCH_* as fallbacks); `--help` prints and exits. */
export function readConfig(argv) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      rounds: { type: 'string' },
      seconds: { type: 'string' },
      warmup: { type: 'string' },
      retries: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      port: { type: 'string' },
      quick: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE + SERVERS.map((s) => s.id).join(', '));
    process.exit(0);
  }
  const env = process.env;
  const number = (flag, fallback, min) => {
    const raw = values[flag] ?? fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min)
      throw new TypeError(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    return value;
  };
  const only = (values.only ?? env.BENCH_ONLY)
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const part of only ?? []) {
    if (!SERVERS.some((s) => selects(part, s.id)))
      throw new TypeError(
        `--only: no server id contains "${part}" (ids: ${SERVERS.map((s) => s.id).join(', ')})`,
      );
  }
  const cpus = allowedCpus();
  const pin = !values['no-pin'] && (cpus?.length ?? 0) >= 2 && hasTaskset();
  return {
    rounds: number('rounds', values.quick ? 3 : (env.BENCH_ROUNDS ?? 5), 1),
    seconds: number('seconds', values.quick ? 4 : (env.BENCH_SECONDS ?? 4), 1),
    warmup: number('warmup', env.BENCH_WARMUP ?? 1, 0),
    retries: number('retries', env.BENCH_RETRIES ?? 0, 0),
    connections: number('connections', env.BENCH_CONNECTIONS ?? 32, 1),
    port: number('port', env.BENCH_PORT ?? 39123, 1),
    only,
    cpus,
    // The server gets the last allowed CPU, the load generator the first.
    serverCpu: pin ? cpus.at(-1) : undefined,
    clientCpu: pin ? cpus[0] : undefined,
  };
}
