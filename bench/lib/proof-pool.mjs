// Makes DPoP proofs ahead of the load, split over worker threads (one per core), so signing
// never runs while a server is measured. Every proof has its own jti and iat = now.
import { Worker } from 'node:worker_threads';

/**
 * Starts `threads` workers signing proofs with `key` (a test-kit DpopKey) for `token` and `htu`.
 * `make(count, prefix)` resolves to `count` proofs with jti `${prefix}${i}`; `close()` ends the
 * workers.
 */
export function createProofPool({ key, token, htu, threads }) {
  const shared = {
    alg: key.alg,
    kid: key.kid,
    jkt: key.jkt,
    publicJwk: key.publicJwk,
    privateJwk: key.privateJwk,
  };
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(new URL('./proof-worker.mjs', import.meta.url), {
        workerData: { key: shared, token, htu },
      }),
  );
  let jobs = 0;
  const job = (worker, message) =>
    new Promise((resolve, reject) => {
      const id = (jobs += 1);
      const onMessage = (answer) => {
        if (answer.id !== id) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(answer.proofs);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.postMessage({ id, ...message });
    });

  return {
    async make(count, prefix) {
      const iat = Math.floor(Date.now() / 1000);
      const share = Math.ceil(count / workers.length);
      const parts = await Promise.all(
        workers.map((worker, w) =>
          job(worker, {
            iat,
            prefix,
            from: w * share,
            count: Math.max(0, Math.min(share, count - w * share)),
          }),
        ),
      );
      return parts.flat();
    },
    async close() {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
