/** RS-TOK-04: duplicates Node hides in req.headers stay visible through fromNodeRequest. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { fromNodeRequest, isFapiError } from '../src/index.js';
import { createKit, type Kit } from './fixture.js';

let kit: Kit;
let server: Server;
let port: number;

beforeAll(async () => {
  kit = await createKit({ publicUrl: 'https://api.bank.test' });
  server = createServer((req: IncomingMessage, res) => {
    kit.rs.verify(fromNodeRequest(req)).then(
      () => res.writeHead(200).end('ok'),
      (error: unknown) => {
        if (!isFapiError(error)) throw error;
        res.writeHead(error.status, error.headers).end(JSON.stringify(error.body()));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function rawRequest(lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end([...lines, 'Host: api.bank.test', 'Connection: close', '', ''].join('\r\n'));
    });
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

test('a valid DPoP request passes through a plain Node server', async () => {
  const request = await kit.dpopRequest();
  const headers = request.headers as Record<string, string>;
  const response = await rawRequest([
    'GET /accounts HTTP/1.1',
    `Authorization: ${headers.authorization}`,
    `DPoP: ${headers.dpop}`,
  ]);
  expect(response).toMatch(/^HTTP\/1.1 200/);
});

test('two Authorization headers are refused although req.headers keeps only one (RS-TOK-04)', async () => {
  const request = await kit.dpopRequest();
  const headers = request.headers as Record<string, string>;
  const response = await rawRequest([
    'GET /accounts HTTP/1.1',
    `Authorization: ${headers.authorization}`,
    `Authorization: ${headers.authorization}`,
    `DPoP: ${headers.dpop}`,
  ]);
  expect(response).toMatch(/^HTTP\/1.1 400/);
  expect(response).toMatch(/www-authenticate: DPoP error="invalid_request"/i);
});

test('two DPoP headers are refused although req.headers joins them (RS-DPOP-02)', async () => {
  const request = await kit.dpopRequest();
  const headers = request.headers as Record<string, string>;
  const response = await rawRequest([
    'GET /accounts HTTP/1.1',
    `Authorization: ${headers.authorization}`,
    `DPoP: ${headers.dpop}`,
    `DPoP: ${headers.dpop}`,
  ]);
  expect(response).toMatch(/^HTTP\/1.1 401/);
  expect(response).toMatch(
    /www-authenticate: DPoP error="invalid_dpop_proof", error_description="Exactly one DPoP proof is required"/i,
  );
});

describe('form-body tokens (RS-GEN-02)', () => {
  const req = (contentType: string | undefined) => ({
    method: 'POST',
    url: '/payments',
    headers: { host: 'api.bank.test', ...(contentType ? { 'content-type': contentType } : {}) },
  });
  test('a parsed form body is passed on, so its access_token is refused', () => {
    expect(
      fromNodeRequest(req('application/x-www-form-urlencoded; charset=utf-8'), {
        body: { access_token: 'x' },
      }).body,
    ).toEqual({ access_token: 'x' });
  });
  test.each(['application/json', 'text/plain', undefined])('a %s body is ordinary data', (type) => {
    expect(fromNodeRequest(req(type), { body: { access_token: 'x' } }).body).toBeUndefined();
  });
});
