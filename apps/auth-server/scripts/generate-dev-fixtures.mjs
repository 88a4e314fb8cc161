#!/usr/bin/env node
// Generates the DEV-ONLY keys and certificates in apps/auth-server/dev-fixtures/.
// Pure JavaScript (WebCrypto + jose + @peculiar/x509): no openssl binary needed.
// The output is committed; re-run only to rotate everything at once:
//   node apps/auth-server/scripts/generate-dev-fixtures.mjs
// NEVER use any of these keys outside local development and tests.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import 'reflect-metadata'; // @peculiar/x509 (tsyringe) needs the Reflect polyfill loaded first
import * as x509 from '@peculiar/x509';
import { exportJWK, calculateJwkThumbprint, generateKeyPair } from 'jose';

const { subtle } = globalThis.crypto;
x509.cryptoProvider.set(globalThis.crypto);

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dev-fixtures');
const DAY = 24 * 60 * 60 * 1000;
const notBefore = new Date(Date.now() - DAY);
const notAfter = new Date(Date.now() + 3650 * DAY);
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' };
const ecdsaSha256 = { name: 'ECDSA', hash: 'SHA-256' };

async function write(rel, content) {
  const file = join(out, rel);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(
    file,
    typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
  );
  console.log(`wrote ${rel}`);
}

async function privateJwk(alg, use = 'sig') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, alg, use };
}

async function pkcs8Pem(privateKey) {
  const der = Buffer.from(await subtle.exportKey('pkcs8', privateKey));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

const serial = () =>
  Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

// 1. Authorization server signing keys (access tokens, ID tokens, introspection JWTs).
await write('as-signing-keys.json', {
  keys: [await privateJwk('PS256'), await privateJwk('ES256')],
});

// 2. A dev CA and the TLS server certificate for 127.0.0.1 / ::1 / localhost.
const caKeys = await subtle.generateKey(ecdsa, true, ['sign', 'verify']);
const caCert = await x509.X509CertificateGenerator.createSelfSigned({
  serialNumber: serial(),
  name: 'CN=fapi-guard DEV ONLY CA, O=fapi-guard development',
  notBefore,
  notAfter,
  signingAlgorithm: ecdsaSha256,
  keys: caKeys,
  extensions: [
    new x509.BasicConstraintsExtension(true, 0, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
  ],
});
await write('tls/ca.crt.pem', caCert.toString('pem') + '\n');

const serverKeys = await subtle.generateKey(ecdsa, true, ['sign', 'verify']);
const serverCert = await x509.X509CertificateGenerator.create({
  serialNumber: serial(),
  subject: 'CN=127.0.0.1, O=fapi-guard development',
  issuer: caCert.subject,
  notBefore,
  notAfter,
  signingAlgorithm: ecdsaSha256,
  publicKey: serverKeys.publicKey,
  signingKey: caKeys.privateKey,
  extensions: [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    new x509.SubjectAlternativeNameExtension([
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'localhost' },
    ]),
    await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ],
});
await write('tls/server.crt.pem', serverCert.toString('pem') + '\n');
await write('tls/server.key.pem', await pkcs8Pem(serverKeys.privateKey));

// 3. Client credentials.
// 3a. DPoP client: private_key_jwt (ES256).
await write('clients/dpop-client.private.jwk.json', await privateJwk('ES256'));
// 3b. mTLS client: a self-signed certificate (self_signed_tls_client_auth).
const mtlsKeys = await subtle.generateKey(ecdsa, true, ['sign', 'verify']);
const mtlsCert = await x509.X509CertificateGenerator.createSelfSigned({
  serialNumber: serial(),
  name: 'CN=mtls-client, O=fapi-guard development',
  notBefore,
  notAfter,
  signingAlgorithm: ecdsaSha256,
  keys: mtlsKeys,
  extensions: [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
  ],
});
await write('clients/mtls-client.crt.pem', mtlsCert.toString('pem') + '\n');
await write('clients/mtls-client.key.pem', await pkcs8Pem(mtlsKeys.privateKey));
// 3c. Resource-server client (introspection): private_key_jwt (PS256).
await write('clients/rs-client.private.jwk.json', await privateJwk('PS256'));
// 3d. The mTLS client's request-signing key (HTTP message signatures), registered in its jwks
// beside its certificate. The DPoP client signs requests with its private_key_jwt key (3a).
await write('clients/mtls-client.signing.private.jwk.json', await privateJwk('ES256'));

// 4. The sample API's response-signing key (HTTP message signatures), published at its JWKS.
await write('api/response-signing.private.jwk.json', await privateJwk('ES256'));
