/**
 * @SignedRequest and @SignedResponse over real HTTP on both platforms: requests signed by a
 * client key (RFC 9421), verified over the exact body bytes the server received (Nest's
 * `rawBody: true`), and answers whose signature an independent library verifies against the
 * bytes the client received.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Post,
  StreamableFile,
  type INestApplication,
  type LoggerService,
  type ModuleMetadata,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createVerifier, httpbis } from 'http-message-signatures';
import { FapiError, type FapiErrorCode } from '@fapi-guard/core';
import { httpSignatures, signRequest } from '@fapi-guard/http-signatures';
import { FIXTURE_NOW_S } from '@fapi-guard/testing';
import {
  FapiGuardModule,
  FapiPrincipal,
  Public,
  RequireScopes,
  SignedRequest,
  SignedResponse,
  type FapiGuardModuleOptions,
  type Principal,
} from '../src/index.js';
import { dpopHeaders, fapiOptions, PLATFORMS, PUBLIC_URL, type Platform } from './fixture.js';

const NOW_MS = FIXTURE_NOW_S * 1000;
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const serverKey = generateKeyPairSync('ed25519');

/** Client 1 registered `k1`; the server signs with `rs-1` (Ed25519). */
function signatureOptions(responseSigning = true) {
  return httpSignatures({
    resolveClientKey: (clientId, keyId) =>
      clientId === 'client-1' && keyId === 'k1'
        ? clientKey.publicKey.export({ format: 'jwk' })
        : undefined,
    clock: () => NOW_MS,
    ...(responseSigning && {
      responseSigning: { key: serverKey.privateKey, keyId: 'rs-1', algorithm: 'ed25519' as const },
    }),
  });
}

@SignedRequest('optional')
@Controller('signed')
class SignedController {
  @SignedRequest()
  @SignedResponse()
  @RequireScopes('payments')
  @Post('payments')
  @HttpCode(201)
  @Header('x-payment-kind', 'domestic')
  pay(@Body() payment: { amount: string }, @FapiPrincipal() principal: Principal) {
    return { amount: payment.amount, keyId: principal.signature?.keyId ?? null };
  }

  @Get('optional')
  optional(@FapiPrincipal() principal: Principal) {
    return { signed: principal.signature !== undefined };
  }

  @SignedResponse()
  @Get('statement')
  statement() {
    return new StreamableFile(Readable.from(['line 1\n', 'line 2\n', 'line 3\n']), {
      type: 'text/plain',
    });
  }

  @SignedResponse()
  @Post('refused')
  refused(): never {
    throw new BadRequestException('the payment was refused');
  }
}

interface Running {
  url: string;
  close(): Promise<void>;
}

async function start(
  platform: Platform,
  metadata: ModuleMetadata,
  { rawBody = true, logger = false as LoggerService | false } = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule(metadata).compile();
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter();
  const app = moduleRef.createNestApplication(adapter, { rawBody, logger });
  await app.init();
  return app;
}

async function serve(
  platform: Platform,
  options: { rawBody?: boolean; logger?: LoggerService | false } = {},
  fapi: Partial<FapiGuardModuleOptions> = {},
): Promise<Running> {
  const app = await start(
    platform,
    {
      imports: [
        FapiGuardModule.forRoot({
          ...(await fapiOptions({ httpSignatures: signatureOptions(), ...fapi })),
          global: true,
        }),
      ],
      controllers: [SignedController],
    },
    options,
  );
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** A DPoP-bound request for `path`, signed by `key` over `body` (the bytes the client signs). */
async function signedRequest(
  method: string,
  path: string,
  body?: string,
  key = clientKey.privateKey,
): Promise<Sent & { body?: string }> {
  const url = `${PUBLIC_URL}${path}`;
  const headers: Record<string, string> = {
    ...(await dpopHeaders(method, path)),
    ...(body !== undefined && { 'content-type': 'application/json' }),
  };
  const rawBody = body === undefined ? undefined : new TextEncoder().encode(body);
  const signature = signRequest({
    key,
    keyId: 'k1',
    algorithm: 'ecdsa-p256-sha256',
    request: { method, url, headers, ...(rawBody && { rawBody }) },
    now: NOW_MS,
  });
  return {
    method,
    url,
    headers: { ...headers, ...signature },
    ...(body !== undefined && { body }),
  };
}

async function send(server: Running, request: Sent & { body?: string }, body = request.body) {
  const response = await fetch(`${server.url}${new URL(request.url).pathname}`, {
    method: request.method,
    headers: request.headers,
    ...(body !== undefined && { body }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: response.headers,
    bytes,
    json: () => JSON.parse(bytes.toString()) as unknown,
  };
}

function bodyOf(code: FapiErrorCode) {
  return new FapiError(code).body();
}

/** Verifies the answer's signature with http-message-signatures, bound to `request` (`;req`). */
async function verifiesResponse(
  response: Awaited<ReturnType<typeof send>>,
  request: Sent,
): Promise<boolean | null> {
  const keyLookup = () =>
    Promise.resolve({
      id: 'rs-1',
      algs: ['ed25519'],
      verify: createVerifier(serverKey.publicKey, 'ed25519'),
    });
  const headers = Object.fromEntries(response.headers.entries());
  return httpbis.verifyMessage(
    { keyLookup, notAfter: NOW_MS + 60_000 },
    { status: response.status, headers },
    request,
  );
}

function digestOf(bytes: Uint8Array): string {
  return `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
}

describe.each(PLATFORMS)('signed requests and responses on %s', (platform) => {
  let server: Running;
  beforeAll(async () => {
    server = await serve(platform);
  });
  afterAll(() => server.close());

  it('accepts a signed POST over the exact bytes received; @Body() is still parsed', async () => {
    const request = await signedRequest('POST', '/signed/payments', '{"amount": "10.00"}');
    const response = await send(server, request);
    expect(response.status).toBe(201);
    expect(response.json()).toEqual({ amount: '10.00', keyId: 'k1' });
  });

  it('refuses a body changed after signing with 401 ERR_FAPI_SIGNATURE_DIGEST', async () => {
    const request = await signedRequest('POST', '/signed/payments', '{"amount":"10.00"}');
    const response = await send(server, request, '{"amount":"99.00"}');
    expect(response.status).toBe(401);
    expect(response.json()).toEqual(bodyOf('ERR_FAPI_SIGNATURE_DIGEST'));
    expect(response.headers.get('signature')).toBeNull();
  });

  it("signs the answer: @HttpCode, @Header and the exact bytes received, bound to the request's signature", async () => {
    const request = await signedRequest('POST', '/signed/payments', '{"amount":"10.00"}');
    const response = await send(server, request);
    expect(response.status).toBe(201);
    expect(response.headers.get('x-payment-kind')).toBe('domestic');
    expect(response.headers.get('content-digest')).toBe(digestOf(response.bytes));
    expect(response.headers.get('signature-input')).toMatch(
      /^sig1=\("@status" "content-digest" "@method";req "@target-uri";req "content-digest";req "signature";req;key="sig1" "signature-input";req;key="sig1"\);created=\d+;keyid="rs-1";alg="ed25519";tag="fapi-2-response"$/,
    );
    await expect(verifiesResponse(response, request)).resolves.toBe(true);
    const otherRequest = await signedRequest('POST', '/signed/payments', '{"amount":"11.00"}');
    await expect(verifiesResponse(response, otherRequest)).resolves.toBe(false);
  });

  it("signs the exception filter's answer to a handler exception", async () => {
    const request = await signedRequest('POST', '/signed/refused', '{}');
    const response = await send(server, request);
    expect(response.status).toBe(400);
    expect(response.json()).toMatchObject({ message: 'the payment was refused' });
    expect(response.headers.get('content-digest')).toBe(digestOf(response.bytes));
    await expect(verifiesResponse(response, request)).resolves.toBe(true);
  });

  it('signs a streamed answer over every byte of the stream', async () => {
    const request = await signedRequest('GET', '/signed/statement');
    const response = await send(server, request);
    expect(response.status).toBe(200);
    expect(response.bytes.toString()).toBe('line 1\nline 2\nline 3\n');
    expect(response.headers.get('content-digest')).toBe(digestOf(response.bytes));
    await expect(verifiesResponse(response, request)).resolves.toBe(true);
  });

  it("does not sign fapi-guard's own rejections (no signing oracle)", async () => {
    const request = await signedRequest('POST', '/signed/refused', '{}');
    delete (request.headers as Partial<Record<string, string>>).authorization;
    const response = await send(server, request);
    expect(response.status).toBe(401);
    expect(response.headers.get('signature')).toBeNull();
    expect(response.headers.get('signature-input')).toBeNull();
  });

  it("the handler's @SignedRequest() beats the class's 'optional'", async () => {
    const unsigned = await signedRequest('POST', '/signed/payments', '{"amount":"1.00"}');
    delete (unsigned.headers as Partial<Record<string, string>>).signature;
    const refused = await send(server, unsigned);
    expect(refused.status).toBe(401);
    expect(refused.json()).toEqual(bodyOf('ERR_FAPI_SIGNATURE_MISSING'));

    const { headers } = await signedRequest('GET', '/signed/optional');
    const plain = { authorization: headers.authorization ?? '', dpop: headers.dpop ?? '' };
    const open = await send(server, {
      method: 'GET',
      url: `${PUBLIC_URL}/signed/optional`,
      headers: plain,
    });
    expect(open.status).toBe(200);
    expect(open.json()).toEqual({ signed: false });
    expect(open.headers.get('signature')).toBeNull();
  });

  it('still verifies a signature present on an optional route: another key is refused', async () => {
    const request = await signedRequest('GET', '/signed/optional', undefined, otherKey.privateKey);
    const response = await send(server, request);
    expect(response.status).toBe(401);
    expect(response.json()).toEqual(bodyOf('ERR_FAPI_SIGNATURE_INVALID'));
  });

  it('a signed body without req.rawBody (no rawBody: true) is a 500 naming the fix', async () => {
    const errors: string[] = [];
    const logger: LoggerService = {
      log: () => {},
      warn: () => {},
      error: (message: unknown) => errors.push(String(message)),
    };
    const bare = await serve(platform, { rawBody: false, logger });
    try {
      const request = await signedRequest('POST', '/signed/payments', '{"amount":"10.00"}');
      const response = await send(bare, request);
      expect(response.status).toBe(500);
      expect(response.json()).toEqual(bodyOf('ERR_FAPI_MISCONFIGURED'));
      expect(errors.join('\n')).toContain('{ rawBody: true }');
      // An unsigned body is the client's mistake: 401, not the 500 of the set-up.
      const fresh = await signedRequest('POST', '/signed/payments', '{"amount":"10.00"}');
      const { signature: _s, 'signature-input': _i, ...unsigned } = fresh.headers;
      const missing = await send(bare, { ...fresh, headers: unsigned });
      expect(missing.status).toBe(401);
      expect(missing.json()).toEqual(bodyOf('ERR_FAPI_SIGNATURE_MISSING'));
    } finally {
      await bare.close();
    }
  });
});

@Controller('open')
class PublicSignedController {
  @Public()
  @SignedResponse()
  @Get()
  open() {
    return { ok: true };
  }
}

describe.each(PLATFORMS)('signature routes at startup on %s', (platform) => {
  it('refuses @SignedRequest and @SignedResponse() on routes no FapiGuard protects', async () => {
    const options = await fapiOptions({ httpSignatures: signatureOptions() });
    await expect(
      start(platform, {
        imports: [FapiGuardModule.forRoot({ ...options, global: false })],
        controllers: [SignedController],
      }),
    ).rejects.toThrow(
      /SignedController\.pay uses @RequireScopes, @SignedRequest, @SignedResponse\(\), @FapiPrincipal\(\) but no FapiGuard runs on it/,
    );
  });

  it('refuses @SignedResponse() on a @Public() route (it would sign for anyone)', async () => {
    const options = await fapiOptions({ httpSignatures: signatureOptions() });
    await expect(
      start(platform, {
        imports: [FapiGuardModule.forRoot({ ...options, global: true })],
        controllers: [PublicSignedController],
      }),
    ).rejects.toThrow(
      'fapi-guard: PublicSignedController.open is @Public() but uses @SignedResponse()',
    );
  });

  it('refuses @SignedRequest when the module has no httpSignatures option', async () => {
    await expect(
      start(platform, {
        imports: [FapiGuardModule.forRoot({ ...(await fapiOptions()), global: true })],
        controllers: [SignedController],
      }),
    ).rejects.toThrow(
      'fapi-guard: SignedController.pay uses @SignedRequest but FapiGuardModule has no httpSignatures option',
    );
  });

  it('refuses @SignedResponse() when no response signing key is configured', async () => {
    const options = await fapiOptions({ httpSignatures: signatureOptions(false) });
    await expect(
      start(platform, {
        imports: [FapiGuardModule.forRoot({ ...options, global: true })],
        controllers: [SignedController],
      }),
    ).rejects.toThrow(
      'fapi-guard: SignedController.pay uses @SignedResponse() but no response signing key is configured',
    );
  });
});
