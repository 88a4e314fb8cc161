import { createHash, createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type { X509Certificate } from '@peculiar/x509';
import { loadX509, type X509Module } from './lib/x509.js';

/** Validity of issued certificates unless told otherwise. */
export const DEFAULT_CERTIFICATE_VALIDITY_DAYS = 7;

const EC_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const BACKDATE_MS = 60_000;
const DAY_MS = 86_400_000;

/** A certificate and its private key, both PEM, with the values mTLS binding needs. */
export interface IssuedCertificate {
  /** The certificate, PEM (`-----BEGIN CERTIFICATE-----`). */
  certPem: string;
  /** The private key, PKCS#8 PEM, usable as node tls `key`. */
  keyPem: string;
  /** The certificate, DER. */
  der: Uint8Array;
  /** base64url(SHA-256(DER)): the token's `cnf["x5t#S256"]` (RFC 8705 §3.1). */
  x5tS256: string;
  /** The parsed certificate (@peculiar/x509). */
  cert: X509Certificate;
}

/** An mTLS client certificate (ECDSA P-256, extKeyUsage clientAuth). */
export type ClientCertificate = IssuedCertificate;
/** A TLS server certificate (ECDSA P-256, extKeyUsage serverAuth, subjectAltName). */
export type ServerCertificate = IssuedCertificate;

/** Validity and naming options shared by every certificate the kit makes. */
export interface CertificateOptions {
  /** Subject DN (`CN=client-1, O=Example`), or a bare common name. */
  subject?: string;
  /** Default: one minute ago. */
  notBefore?: Date;
  /** Default: {@link DEFAULT_CERTIFICATE_VALIDITY_DAYS} days from now. */
  notAfter?: Date;
}

/** Options of {@link createClientCertificate}. */
export interface ClientCertificateOptions extends CertificateOptions {
  /** Issuer; self-signed when absent. */
  ca?: CertificateAuthority;
}

/** Options of {@link CertificateAuthority.issueServerCertificate}. */
export interface ServerCertificateOptions extends CertificateOptions {
  /** DNS names and IP addresses for subjectAltName; default `['localhost', '127.0.0.1']`. */
  hostnames?: string[];
}

/** A throwaway certificate authority for mTLS tests. */
export interface CertificateAuthority {
  /** The CA certificate, PEM: pass it as tls `ca` to trust what this CA issues. */
  certPem: string;
  /** The CA private key, PKCS#8 PEM. */
  keyPem: string;
  /** The CA certificate, DER. */
  der: Uint8Array;
  /** The parsed CA certificate. */
  cert: X509Certificate;
  /** Issues a client certificate (default subject `CN=client-1`). */
  issueClientCertificate(options?: CertificateOptions): Promise<ClientCertificate>;
  /** Issues a server certificate for `hostnames` (default `localhost`, `127.0.0.1`). */
  issueServerCertificate(options?: ServerCertificateOptions): Promise<ServerCertificate>;
}

interface CaState {
  name: string;
  keys: webcrypto.CryptoKeyPair;
}

/**
 * Creates a self-signed CA (ECDSA P-256, pure JS via @peculiar/x509; no openssl binary).
 *
 * @example
 * ```ts
 * const ca = await createCertificateAuthority();
 * const server = await ca.issueServerCertificate();
 * const client = await ca.issueClientCertificate({ subject: 'CN=tpp-1' });
 * https.createServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true });
 * ```
 */
export async function createCertificateAuthority(
  options: { name?: string } & Omit<CertificateOptions, 'subject'> = {},
): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const name = toDistinguishedName(options.name ?? 'CN=fapi-guard test CA');
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    ...validity(options),
    signingAlgorithm: ECDSA_SHA256,
    keys: keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const state: CaState = { name, keys };
  const issued = await toIssued(cert, keys);
  return {
    certPem: issued.certPem,
    keyPem: issued.keyPem,
    der: issued.der,
    cert,
    issueClientCertificate: (leaf = {}) => issueLeaf(x509, 'client', leaf, state, cert),
    issueServerCertificate: (leaf = {}) => issueLeaf(x509, 'server', leaf, state, cert),
  };
}

/**
 * Creates an mTLS client certificate: issued by `ca`, or self-signed when no `ca` is given
 * (RFC 8705 §2.2 "self-signed certificate mutual TLS").
 *
 * @example
 * ```ts
 * const client = await createClientCertificate();
 * const token = await authority.mintAccessToken({ cnf: { 'x5t#S256': client.x5tS256 } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export async function createClientCertificate(
  options: ClientCertificateOptions = {},
): Promise<ClientCertificate> {
  if (options.ca !== undefined) return options.ca.issueClientCertificate(options);
  const x509 = await loadX509();
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: toDistinguishedName(options.subject ?? 'CN=client-1'),
    ...validity(options),
    signingAlgorithm: ECDSA_SHA256,
    keys: keys,
    extensions: await leafExtensions(x509, 'client', keys, undefined, []),
  });
  return toIssued(cert, keys);
}

/**
 * The RFC 9440 `Client-Cert` header value for a DER certificate: an sf-binary Byte Sequence,
 * `:<base64>:` (standard base64 with padding, not base64url).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9440#section-2.2
 */
export function toClientCertHeader(der: Uint8Array): string {
  return `:${Buffer.from(der).toString('base64')}:`;
}

/**
 * base64url(SHA-256(DER)): the RFC 8705 `x5t#S256` confirmation value of a certificate.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url');
}

async function issueLeaf(
  x509: X509Module,
  kind: 'client' | 'server',
  options: ServerCertificateOptions,
  ca: CaState,
  caCert: X509Certificate,
): Promise<IssuedCertificate> {
  const keys = await generateKeys();
  const hostnames = kind === 'server' ? (options.hostnames ?? ['localhost', '127.0.0.1']) : [];
  const defaultSubject = kind === 'server' ? `CN=${hostnames[0] ?? 'localhost'}` : 'CN=client-1';
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: toDistinguishedName(options.subject ?? defaultSubject),
    issuer: caCert.subject,
    ...validity(options),
    signingAlgorithm: ECDSA_SHA256,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: await leafExtensions(x509, kind, keys, ca, hostnames),
  });
  return toIssued(cert, keys);
}

async function leafExtensions(
  x509: X509Module,
  kind: 'client' | 'server',
  keys: webcrypto.CryptoKeyPair,
  ca: CaState | undefined,
  hostnames: string[],
): Promise<InstanceType<X509Module['Extension']>[]> {
  const extensions: InstanceType<X509Module['Extension']>[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension(
      [kind === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth],
      false,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (ca !== undefined) {
    extensions.push(await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey));
  }
  if (hostnames.length > 0) {
    const names = hostnames.map((value) => ({
      type: isIP(value) === 0 ? ('dns' as const) : ('ip' as const),
      value,
    }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  }
  return extensions;
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_P256, true, ['sign', 'verify']);
}

async function toIssued(
  cert: X509Certificate,
  keys: webcrypto.CryptoKeyPair,
): Promise<IssuedCertificate> {
  const der = new Uint8Array(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({
    type: 'pkcs8',
    format: 'pem',
  }) as string;
  return { certPem: cert.toString('pem'), keyPem, der, x5tS256: certificateThumbprint(der), cert };
}

function validity(options: CertificateOptions): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return {
    notBefore: options.notBefore ?? new Date(now - BACKDATE_MS),
    notAfter: options.notAfter ?? new Date(now + DEFAULT_CERTIFICATE_VALIDITY_DAYS * DAY_MS),
  };
}

function toDistinguishedName(subject: string): string {
  return subject.includes('=') ? subject : `CN=${subject}`;
}

/** A positive 16-byte serial with a non-zero first byte (minimal DER INTEGER). */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return bytes.toString('hex');
}
