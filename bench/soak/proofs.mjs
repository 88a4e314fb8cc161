// Worker: makes DPoP proofs in batches, each with its own jti, and posts them to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { createDpopKey, dpopProof } from '../../packages/testing/dist/index.js';

const key = await createDpopKey('ES256');
parentPort.postMessage({ jkt: key.jkt });
const { htu, iat, total, batch } = workerData;
let token;
parentPort.once('message', async (message) => {
  token = message.token;
  for (let made = 0; made < total;) {
    const size = Math.min(batch, total - made);
    const proofs = new Array(size);
    for (let i = 0; i < size; i += 1) {
      proofs[i] = await dpopProof({
        key,
        htm: 'GET',
        htu,
        accessToken: token,
        iat,
        jti: `s${made + i}`,
      });
    }
    made += size;
    parentPort.postMessage({ proofs });
  }
});
