import { webcrypto } from 'node:crypto';

/** The @peculiar/x509 module namespace. */
export type X509Module = typeof import('@peculiar/x509');

let loading: Promise<X509Module> | undefined;

/**
 * Loads @peculiar/x509 on first use. It needs a `Reflect.metadata` polyfill (tsyringe) before
 * it is evaluated, and a Web Crypto provider; loading it lazily keeps both out of token-only
 * test runs and makes the polyfill-first order certain under any ESM loader.
 */
export function loadX509(): Promise<X509Module> {
  loading ??= (async () => {
    await import('reflect-metadata');
    const namespace = await import('@peculiar/x509');
    const x509 = (
      'X509CertificateGenerator' in namespace
        ? namespace
        : (namespace as { default: unknown }).default
    ) as X509Module;
    x509.cryptoProvider.set(webcrypto);
    return x509;
  })();
  return loading;
}
