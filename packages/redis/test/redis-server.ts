import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { connect as connectSocket, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, type RedisOptions } from 'ioredis';

export const SHARED_HOST = '127.0.0.1';
export const SHARED_PORT = 6379;
export const NOT_REACHABLE =
  'Redis not reachable at 127.0.0.1:6379 — start it with redis-server --daemonize yes --port 6379 --save "" --appendonly no';

/** Answers PONG within about a second, or rejects. A bare socket: no retries, no timers left. */
function ping(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connectSocket({ host: SHARED_HOST, port });
    let reply = '';
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    socket.setTimeout(1_000, () => done(new Error('no answer to PING within 1 s')));
    socket.once('error', done);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) {
        done(reply.startsWith('+PONG') ? undefined : new Error(`PING answered ${reply.trim()}`));
      }
    });
  });
}

/** A client of the shared test Redis; fails with the command that starts it when it is down. */
export async function connectShared(options: RedisOptions = {}): Promise<Redis> {
  try {
    await ping(SHARED_PORT);
  } catch (cause) {
    throw new Error(NOT_REACHABLE, { cause });
  }
  return connect(SHARED_PORT, options);
}

/** A client that is ready; `error` events (expected in fault tests) are swallowed. */
export async function connect(port: number, options: RedisOptions = {}): Promise<Redis> {
  const client = new Redis({ host: SHARED_HOST, port, lazyConnect: true, ...options });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Deletes every key under `prefix` (test keys on the shared instance). */
export async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  const keys = await scanKeys(client, prefix);
  if (keys.length > 0) await client.unlink(...keys);
}

export async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(
      cursor,
      'MATCH',
      `${escapeGlob(prefix)}*`,
      'COUNT',
      1000,
    );
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A redis-server of the test's own, on a free port, that the test may kill and restart. */
export interface OwnRedisServer {
  readonly port: number;
  /** Starts (or restarts, on the same port) and resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGKILL, like a crash: no goodbye to connected clients. */
  kill(): Promise<void>;
}

export async function ownRedisServer(
  options: { args?: readonly string[]; cwd?: string } = {},
): Promise<OwnRedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  return {
    port,
    async start() {
      if (child && running(child)) return;
      const started = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', SHARED_HOST, '--save', '', '--appendonly', 'no'],
          ...['--enable-debug-command', 'local', '--logfile', ''],
          ...(options.args ?? []),
        ],
        { stdio: 'ignore', cwd: options.cwd },
      );
      child = started;
      const failed = new Promise<never>((_, reject) => {
        started.once('error', (error) => reject(new Error(`cannot run redis-server: ${error}`)));
        started.once('exit', (code, signal) =>
          reject(new Error(`redis-server on port ${port} exited (${code ?? signal})`)),
        );
      });
      failed.catch(() => {});
      await Promise.race([failed, waitForPong(port, 5_000)]);
    },
    async kill() {
      if (!child || !running(child)) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function waitForPong(port: number, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      await ping(port);
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${port} never answered`, { cause: error });
      await sleep(20);
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, SHARED_HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
