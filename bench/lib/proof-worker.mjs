// Worker thread of proof-pool.mjs: signs DPoP proofs for the bench key and token. Each job is
// { id, iat, prefix, from, count }; the answer is { id, proofs } with jti = prefix + index.
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { dpopProof } from '../../packages/testing/dist/index.js';

const { key: shared, token, htu } = workerData;
const key = {
  ...shared,
  privateKey: createPrivateKey({ key: shared.privateJwk, format: 'jwk' }),
  publicKey: createPublicKey({ key: shared.publicJwk, format: 'jwk' }),
};

parentPort.on('message', async ({ id, iat, prefix, from, count }) => {
  const proofs = new Array(count);
  for (let i = 0; i < count; i += 1) {
    proofs[i] = await dpopProof({
      key,
      htm: 'GET',
      htu,
      accessToken: token,
      iat,
      jti: `${prefix}${from + i}`,
    });
  }
  parentPort.postMessage({ id, proofs });
});
