/** holdBackResponse over a real node:http server: what reaches the client is what was signed. */
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { holdBackResponse, type ResponseToSign } from '../src/index.js';

type Handler = (res: ServerResponse, signed: ResponseToSign[]) => void;

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
  signed: ResponseToSign[];
}

/** Serves one request with `handler` behind holdBackResponse; the signer adds `x-digest`. */
async function answer(
  handler: Handler,
  {
    method = 'GET',
    failing = false,
    passThrough = (): boolean => false,
  }: { method?: string; failing?: boolean; passThrough?: () => boolean } = {},
): Promise<Answer> {
  const signed: ResponseToSign[] = [];
  const server = createServer((req, res) => {
    holdBackResponse(res, {
      method: req.method,
      sign: (response) => {
        if (failing) throw new Error('no key');
        signed.push(response);
        return { 'x-digest': createHash('sha256').update(response.body).digest('base64') };
      },
      fail: () => res.writeHead(500, { 'content-type': 'text/plain' }).end('refused to sign'),
      passThrough,
    });
    handler(res, signed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    return await new Promise<Answer>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', method, path: '/' }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, signed }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const digest = (text: string) => createHash('sha256').update(text, 'latin1').digest('base64');

describe('holdBackResponse', () => {
  test('signs every byte written, in any encoding, and sends them with Content-Length', async () => {
    const sent = await answer((res) => {
      res.write('caf');
      res.write('e9', 'hex');
      res.end(Buffer.from(' ok'));
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toBe('caf\u00e9 ok');
    expect(sent.headers['x-digest']).toBe(digest('caf\u00e9 ok'));
    expect(sent.headers['content-length']).toBe('7');
    expect(sent.headers['transfer-encoding']).toBeUndefined();
  });

  test('holds flushHeaders back: the signature still goes out with the headers', async () => {
    const sent = await answer((res) => {
      res.setHeader('content-type', 'text/csv');
      res.flushHeaders();
      res.write('a,b\n');
      setTimeout(() => res.end('1,2\n'), 20);
    });
    expect(sent.headers['content-type']).toBe('text/csv');
    expect(sent.headers['x-digest']).toBe(digest('a,b\n1,2\n'));
  });

  test('applies raw writeHead pairs as Node does: an earlier value replaced, duplicates kept', async () => {
    const sent = await answer((res) => {
      res.setHeader('x-kind', 'old');
      res.writeHead(201, 'Made', ['x-kind', 'new', 'set-cookie', 'a=1', 'set-cookie', 'b=2']);
      res.end('made');
    });
    expect(sent.status).toBe(201);
    expect(sent.headers['x-kind']).toBe('new');
    expect(sent.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(sent.signed[0]?.headers).toMatchObject({
      'x-kind': 'new',
      'set-cookie': ['a=1', 'b=2'],
    });
  });

  test('signs HEAD and 204 answers over no bytes and sends none', async () => {
    const head = await answer((res) => res.end('not for HEAD'), { method: 'HEAD' });
    expect(head.body).toBe('');
    expect(head.headers['x-digest']).toBe(digest(''));
    const empty = await answer((res) => {
      res.statusCode = 204;
      res.end('dropped');
    });
    expect(empty.status).toBe(204);
    expect(empty.headers['x-digest']).toBe(digest(''));
    expect(empty.signed[0]?.body).toHaveLength(0);
  });

  test('answers with fail when signing throws, without any header set before', async () => {
    const sent = await answer(
      (res) => {
        res.setHeader('x-account', '42');
        res.end('the balance');
      },
      { failing: true },
    );
    expect(sent.status).toBe(500);
    expect(sent.body).toBe('refused to sign');
    expect(sent.headers['x-account']).toBeUndefined();
    expect(sent.headers['x-digest']).toBeUndefined();
  });

  test('lets a response through unchanged and unsigned once passThrough says so', async () => {
    let rejected = false;
    const sent = await answer(
      (res) => {
        rejected = true;
        res.writeHead(401, { 'content-type': 'text/plain' }).end('no');
      },
      { passThrough: () => rejected },
    );
    expect(sent.status).toBe(401);
    expect(sent.body).toBe('no');
    expect(sent.headers['x-digest']).toBeUndefined();
    expect(sent.signed).toEqual([]);
  });
});
