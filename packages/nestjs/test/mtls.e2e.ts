import { Controller, Get, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Agent, request } from 'undici';
import {
  createCertificateAuthority,
  createClientCertificate,
  dpopProof,
  FIXTURE_NOW_S,
  type CertificateAuthority,
  type ClientCertificate,
} from '@fapi-guard/testing';
import {
  DpopBound,
  FapiGuardModule,
  FapiPrincipal,
  MtlsBound,
  RequireScopes,
  type Principal,
} from '../src/index.js';
import { dpopToken, fapiOptions, fixture, listen, PLATFORMS, startApp } from './fixture.js';

@Controller()
class TlsController {
  @RequireScopes('accounts')
  @MtlsBound()
  @Get('mtls')
  mtls(@FapiPrincipal() principal: Principal) {
    return { binding: principal.binding };
  }

  @DpopBound()
  @Get('dpop')
  dpop(@FapiPrincipal('binding') binding: Principal['binding']) {
    return { binding: binding.kind };
  }
}

let ca: CertificateAuthority;
let client: ClientCertificate;
let otherClient: ClientCertificate;
let tls: { key: string; cert: string; ca: string; requestCert: true; rejectUnauthorized: false };

beforeAll(async () => {
  ca = await createCertificateAuthority();
  const server = await ca.issueServerCertificate({ hostnames: ['127.0.0.1'] });
  client = await ca.issueClientCertificate({ subject: 'CN=tpp-1' });
  // Self-signed: the TLS layer asks for a certificate but leaves trust to the token binding.
  otherClient = await createClientCertificate({ subject: 'CN=tpp-2' });
  tls = {
    key: server.keyPem,
    cert: server.certPem,
    ca: ca.certPem,
    requestCert: true,
    rejectUnauthorized: false,
  };
});

async function mtlsToken(cert: ClientCertificate): Promise<string> {
  const { authority } = await fixture();
  return authority.mintAccessToken({ now: FIXTURE_NOW_S, cnf: { 'x5t#S256': cert.x5tS256 } });
}

describe.each(PLATFORMS)('mTLS and DPoP over HTTPS on %s', (platform) => {
  let app: INestApplication;
  let origin: string;
  const agents: Agent[] = [];
  const agent = (cert?: ClientCertificate) => {
    const created = new Agent({
      connect: { ca: ca.certPem, ...(cert && { cert: cert.certPem, key: cert.keyPem }) },
    });
    agents.push(created);
    return created;
  };

  beforeAll(async () => {
    // No publicUrl here: htu is rebuilt from the TLS socket (https) and the Host header.
    const { publicUrl: _, ...options } = await fapiOptions();
    const moduleRef = await Test.createTestingModule({
      imports: [FapiGuardModule.forRoot({ ...options, global: true })],
      controllers: [TlsController],
    }).compile();
    app = await startApp(platform, moduleRef, () => {}, { tls });
    origin = await listen(app);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.close()));
    await app.close();
  });

  it('accepts a certificate-bound token from the client holding the certificate (RFC 8705 §3)', async () => {
    const res = await request(`${origin}/mtls`, {
      dispatcher: agent(client),
      headers: { authorization: `Bearer ${await mtlsToken(client)}` },
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ binding: { kind: 'mtls', x5tS256: client.x5tS256 } });
    expect(res.headers['x-fapi-interaction-id']).toBeDefined();
  });

  it('refuses a certificate-bound token sent without a client certificate (N50)', async () => {
    const res = await request(`${origin}/mtls`, {
      dispatcher: agent(),
      headers: { authorization: `Bearer ${await mtlsToken(client)}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer error="invalid_token"');
    await res.body.dump();
  });

  it("refuses a token bound to another client's certificate (N51)", async () => {
    const res = await request(`${origin}/mtls`, {
      dispatcher: agent(otherClient),
      headers: { authorization: `Bearer ${await mtlsToken(client)}` },
    });
    expect(res.statusCode).toBe(401);
    expect(await res.body.json()).toMatchObject({ error: 'invalid_token' });
  });

  it('refuses a DPoP-bound token on an @MtlsBound route, and an mTLS one on a @DpopBound route', async () => {
    const { dpopKey } = await fixture();
    const token = await dpopToken();
    const onMtls = await request(`${origin}/mtls`, {
      dispatcher: agent(client),
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await dpopProof({
          key: dpopKey,
          htm: 'GET',
          htu: `${origin}/mtls`,
          accessToken: token,
          iat: FIXTURE_NOW_S,
        }),
      },
    });
    expect(onMtls.statusCode).toBe(401);
    await onMtls.body.dump();
    const onDpop = await request(`${origin}/dpop`, {
      dispatcher: agent(client),
      headers: { authorization: `Bearer ${await mtlsToken(client)}` },
    });
    expect(onDpop.statusCode).toBe(401);
    await onDpop.body.dump();
  });

  it('rebuilds the DPoP htu with the https scheme of the TLS socket', async () => {
    const { dpopKey } = await fixture();
    const token = await dpopToken();
    const proof = (htu: string) =>
      dpopProof({ key: dpopKey, htm: 'GET', htu, accessToken: token, iat: FIXTURE_NOW_S });
    const ok = await request(`${origin}/dpop`, {
      dispatcher: agent(),
      headers: { authorization: `DPoP ${token}`, dpop: await proof(`${origin}/dpop`) },
    });
    expect(ok.statusCode).toBe(200);
    expect(await ok.body.json()).toEqual({ binding: 'dpop' });
    const plain = await request(`${origin}/dpop`, {
      dispatcher: agent(),
      headers: {
        authorization: `DPoP ${token}`,
        dpop: await proof(`${origin.replace('https:', 'http:')}/dpop`),
      },
    });
    expect(plain.statusCode).toBe(401);
    await plain.body.dump();
  });
});
