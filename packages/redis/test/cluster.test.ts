/**
 * The store on a Redis Cluster of three masters of the test's own: every key is one
 * independent SET, so keys spread over every slot owner and no hash tag is needed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { redisReplayStore } from '../src/index.js';
import { connect, freePort, ownRedisServer, type OwnRedisServer } from './redis-server.js';

const newKey = () => randomBytes(32).toString('base64url');
const nodes: OwnRedisServer[] = [];
let dir: string | undefined;
let cluster: Cluster | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fapi-redis-cluster-'));
  for (let i = 0; i < 3; i += 1) {
    const busPort = await freePort();
    const node = await ownRedisServer({
      cwd: dir,
      // The bus port defaults to port + 10 000, which may not exist for an ephemeral port.
      args: [
        ...['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`],
        ...['--cluster-port', String(busPort)],
      ],
    });
    nodes.push(node);
    await node.start();
  }
  await promisify(execFile)('redis-cli', [
    ...['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`)],
    ...['--cluster-replicas', '0', '--cluster-yes'],
  ]);
  await clusterOk(nodes, 5_000);
  cluster = new Cluster(nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  cluster.on('error', () => {});
  await once(cluster, 'ready');
}, 15_000);

afterAll(async () => {
  cluster?.disconnect();
  await Promise.all(nodes.map((node) => node.kill()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function clusterOk(servers: OwnRedisServer[], withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  for (const server of servers) {
    const client = await connect(server.port);
    try {
      while (!String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error(`cluster not ok on port ${server.port}`);
        await sleep(50);
      }
    } finally {
      await client.quit();
    }
  }
}

describe('redisReplayStore on a Redis Cluster', () => {
  it('spreads keys over all three masters and tells new keys from replays', async () => {
    const store = redisReplayStore(cluster as Cluster);
    const keys = Array.from({ length: 300 }, newKey);
    const first = await Promise.all(keys.map((key) => store.checkAndStore(key, 70)));
    const again = await Promise.all(keys.map((key) => store.checkAndStore(key, 70)));
    expect(first.every((answer) => answer)).toBe(true);
    expect(again.some((answer) => answer)).toBe(false);
    const perMaster = await Promise.all(
      (cluster as Cluster).nodes('master').map((node) => node.dbsize()),
    );
    expect(perMaster).toHaveLength(3);
    expect(perMaster.every((count) => count > 50)).toBe(true);
    expect(perMaster.reduce((sum, count) => sum + count, 0)).toBe(300);
  });

  it('lets exactly one of 100 concurrent calls with the same key through', async () => {
    const store = redisReplayStore(cluster as Cluster);
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => store.checkAndStore(key, 70)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });
});
