/**
 * @SignedResponse() on Express when the handler writes to the response itself: whatever it
 * calls (`flushHeaders`, `write`, a body on a 204), the answer that leaves is signed over the
 * bytes the client receives.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Controller, Delete, Get, Res, type INestApplication } from '@nestjs/common';
import { httpSignatures } from '@fapi-guard/http-signatures';
import { FapiGuardModule, SignedResponse } from '../src/index.js';
import { createApp, dpopHeaders, fapiOptions, listen } from './fixture.js';

const serverKey = generateKeyPairSync('ed25519');

@Controller('held')
class WritingController {
  @SignedResponse()
  @Get('statement')
  statement(@Res() res: ServerResponse) {
    res.setHeader('content-type', 'text/csv');
    res.flushHeaders();
    res.write('date,amount\n');
    setTimeout(() => res.end('2027-01-15,10.00\n'), 20);
  }

  @SignedResponse()
  @Delete('consent')
  revoke(@Res() res: ServerResponse) {
    res.statusCode = 204;
    res.end('not sent on a 204');
  }
}

describe('@SignedResponse() over what an Express handler writes itself', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    const options = await fapiOptions({
      httpSignatures: httpSignatures({
        resolveClientKey: () => undefined,
        responseSigning: { key: serverKey.privateKey, keyId: 'rs-1', algorithm: 'ed25519' },
      }),
    });
    app = await createApp('express', {
      imports: [FapiGuardModule.forRoot({ ...options, global: true })],
      controllers: [WritingController],
    });
    url = await listen(app);
  });
  afterAll(() => app.close());

  async function send(method: string, path: string) {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: await dpopHeaders(method, path),
    });
    return { response, bytes: Buffer.from(await response.arrayBuffer()) };
  }

  it('holds flushHeaders back: the streamed answer still carries its signature', async () => {
    const { response, bytes } = await send('GET', '/held/statement');
    expect(response.status).toBe(200);
    expect(bytes.toString()).toBe('date,amount\n2027-01-15,10.00\n');
    const digest = `sha-256=:${createHash('sha256').update(bytes).digest('base64')}:`;
    expect(response.headers.get('content-digest')).toBe(digest);
    expect(response.headers.get('signature-input')).toMatch(/^sig1=\("@status" "content-digest"/);
    expect(response.headers.get('signature')).toMatch(/^sig1=:/);
  });

  it('signs a 204 over no body even when the handler wrote one (no content-digest)', async () => {
    const { response, bytes } = await send('DELETE', '/held/consent');
    expect(response.status).toBe(204);
    expect(bytes).toHaveLength(0);
    expect(response.headers.get('content-digest')).toBeNull();
    expect(response.headers.get('signature-input')).toMatch(/^sig1=\("@status" "@method";req/);
  });
});
