// The in-memory replay store over a long run: µs per `checkAndStore` of `memoryReplayStore`
// (default size, 100 000), from the moment it is full of entries on, where every insert meets an
// expired entry to drop (a server past its first proof window). Run after `npm run build`:
//
//   node bench/replay-store.mjs                      # the repository's build
//   node bench/replay-store.mjs /tmp/ab/a /tmp/ab/b  # builds saved by `core-ab.mjs --snapshot`
//
// Each build gets its own store, 80 000 entries of 80 s at 1 ms apart (its clock moves 1 ms per
// call, so one entry expires per insert), then `WINDOWS` windows of 20 000 new keys; the builds
// take turns window by window (A B A B). The figure that matters is whether the cost per insert
// stays flat from the first window to the last.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FILL, TTL_S, filledReplayStore } from './lib/steady-store.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WINDOWS = Number(process.env.BENCH_WINDOWS ?? 15);
const PER_WINDOW = 20_000;

const dirs = process.argv.length > 2 ? process.argv.slice(2) : [root];
const builds = await Promise.all(
  dirs.map(async (dir) => {
    const core =
      dir === root
        ? join(root, 'packages', 'core')
        : join(resolve(dir), 'node_modules', '@fapi-guard', 'core');
    const { memoryReplayStore } = await import(pathToFileURL(join(core, 'dist', 'index.js')).href);
    const store = filledReplayStore(memoryReplayStore, FILL, 0);
    return { name: dir === root ? 'this build' : dir, store, windows: [] };
  }),
);
// Keys shaped like the verifiers' (43 base64url characters), made before the timing.
const keys = (w) =>
  Array.from({ length: PER_WINDOW }, (_, i) =>
    `${w}-${i}`.padEnd(43, 'abcdefghijklmnopqrstuvwxyz'),
  );

for (let w = 0; w < WINDOWS; w += 1) {
  const list = keys(w);
  const order = w % 2 === 0 ? builds : [...builds].reverse();
  for (const build of order) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < list.length; i += 1) {
      if (!build.store.checkAndStore(list[i], TTL_S))
        throw new Error('a new key was seen as a replay');
    }
    build.windows.push(Number(process.hrtime.bigint() - start) / 1000 / list.length);
  }
}

console.log(
  `\nnode ${process.version}, memoryReplayStore (max 100 000), ${FILL} entries then ${WINDOWS} windows of ${PER_WINDOW} inserts, µs per checkAndStore\n`,
);
console.log('| build | first window | median | highest | last window | windows |');
console.log('|---|---:|---:|---:|---:|---|');
for (const { name, store, windows } of builds) {
  const sorted = [...windows].sort((a, b) => a - b);
  const f = (x) => x.toFixed(2);
  console.log(
    `| ${name} | ${f(windows[0])} | ${f(sorted[sorted.length >> 1])} | ${f(sorted.at(-1))} | ${f(windows.at(-1))} | ${windows.map((x) => x.toFixed(1)).join(' ')} |`,
  );
  if (store.size !== FILL) console.log(`(${name}: ${store.size} entries at the end, not ${FILL})`);
}
