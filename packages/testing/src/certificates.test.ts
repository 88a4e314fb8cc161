import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Agent, request } from 'undici';
import {
  certificateThumbprint,
  createCertificateAuthority,
  createClientCertificate,
  toClientCertHeader,
  type CertificateAuthority,
  type ClientCertificate,
} from './certificates.js';

let ca: CertificateAuthority;
let client: ClientCertificate;

beforeAll(async () => {
  ca = await createCertificateAuthority({ name: 'fapi-guard test CA' });
  client = await ca.issueClientCertificate({ subject: 'CN=tpp-1, O=Example TPP' });
});

const sha256b64url = (der: Uint8Array) => createHash('sha256').update(der).digest('base64url');

describe('createCertificateAuthority', () => {
  it('makes a CA certificate that node:crypto parses as a CA', () => {
    const cert = new X509Certificate(ca.der);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=fapi-guard test CA');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new X509Certificate(ca.certPem).raw).toEqual(Buffer.from(ca.der));
    expect(createPrivateKey(ca.keyPem).asymmetricKeyType).toBe('ec');
  });

  it('issues client certificates signed by the CA, with a matching PKCS#8 key', () => {
    const cert = new X509Certificate(client.der);
    expect(cert.subject).toBe('CN=tpp-1\nO=Example TPP');
    expect(cert.issuer).toBe('CN=fapi-guard test CA');
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.der))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.der).publicKey)).toBe(true);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(client.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(cert.checkPrivateKey(createPrivateKey(client.keyPem))).toBe(true);
  });

  it('sets x5tS256 to base64url(sha256(DER)), 43 characters (RFC 8705 §3.1)', () => {
    expect(client.x5tS256).toBe(sha256b64url(client.der));
    expect(client.x5tS256).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(certificateThumbprint(client.der)).toBe(client.x5tS256);
  });

  it('issues server certificates for localhost and 127.0.0.1', async () => {
    const server = await ca.issueServerCertificate({ hostnames: ['localhost', '127.0.0.1'] });
    const cert = new X509Certificate(server.der);
    expect(cert.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
  });

  it('honours notBefore / notAfter (expired certificates)', async () => {
    const expired = await ca.issueClientCertificate({
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2020-01-02T00:00:00Z'),
    });
    expect(new Date(new X509Certificate(expired.der).validTo).getTime()).toBe(
      Date.parse('2020-01-02T00:00:00Z'),
    );
  });
});

describe('createClientCertificate', () => {
  it('is self-signed without a ca, with a fresh key and thumbprint each time', async () => {
    const a = await createClientCertificate();
    const b = await createClientCertificate({ subject: 'client-2' });
    const cert = new X509Certificate(a.der);
    expect(cert.subject).toBe('CN=client-1');
    expect(cert.issuer).toBe('CN=client-1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(new X509Certificate(b.der).subject).toBe('CN=client-2');
    expect(a.x5tS256).not.toBe(b.x5tS256);
    expect(a.x5tS256).toBe(sha256b64url(a.der));
  });

  it('delegates to the ca when given one', async () => {
    const issued = await createClientCertificate({ ca, subject: 'CN=client-3' });
    expect(new X509Certificate(issued.der).issuer).toBe('CN=fapi-guard test CA');
  });
});

describe('toClientCertHeader', () => {
  it('renders an RFC 9440 sf-binary byte sequence of the DER', () => {
    const value = toClientCertHeader(client.der);
    expect(value).toMatch(/^:[A-Za-z0-9+/]+={0,2}:$/);
    expect(new Uint8Array(Buffer.from(value.slice(1, -1), 'base64'))).toEqual(client.der);
  });
});

describe('mutual TLS with node https', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const serverCert = await ca.issueServerCertificate();
    server = createServer(
      {
        cert: serverCert.certPem,
        key: serverCert.keyPem,
        ca: ca.certPem,
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        const peer = socket.getPeerCertificate();
        const raw = peer.raw as Buffer | undefined;
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            authorized: socket.authorized,
            x5tS256: raw ? sha256b64url(raw) : null,
          }),
        );
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  async function callWith(connect: { cert?: string; key?: string; ca: string }) {
    const dispatcher = new Agent({ connect });
    try {
      const response = await request(url, { dispatcher });
      return (await response.body.json()) as { authorized: boolean; x5tS256: string | null };
    } finally {
      await dispatcher.close();
    }
  }

  it('presents a CA-issued client certificate the server authorizes and can bind', async () => {
    const body = await callWith({ cert: client.certPem, key: client.keyPem, ca: ca.certPem });
    expect(body).toEqual({ authorized: true, x5tS256: client.x5tS256 });
  });

  it('presents a self-signed client certificate (not CA-authorized, still bindable)', async () => {
    const selfSigned = await createClientCertificate();
    const body = await callWith({
      cert: selfSigned.certPem,
      key: selfSigned.keyPem,
      ca: ca.certPem,
    });
    expect(body).toEqual({ authorized: false, x5tS256: selfSigned.x5tS256 });
  });

  it('sends no certificate when the client has none', async () => {
    const body = await callWith({ ca: ca.certPem });
    expect(body).toEqual({ authorized: false, x5tS256: null });
  });
});
