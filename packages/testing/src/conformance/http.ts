import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ConformanceRequest, ConformanceResponse } from './types.js';

const TIMEOUT_MS = 10_000;

/**
 * Sends `request` to `baseUrl` with node:http(s), headers exactly as given: raw name/value pairs,
 * so repeated fields stay separate lines and names keep their case. The path goes out verbatim
 * as the request target (`/public/../accounts` is not normalized). No connection reuse.
 */
export function sendRequest(
  baseUrl: string,
  request: ConformanceRequest,
  tls: { ca?: string } = {},
): Promise<ConformanceResponse> {
  const url = new URL(baseUrl);
  const raw: string[] = [];
  const names = new Set<string>();
  for (const [name, value] of Object.entries(request.headers)) {
    names.add(name.toLowerCase());
    for (const item of Array.isArray(value) ? value : [value]) raw.push(name, item);
  }
  // Raw header arrays bypass Node's defaults, so Host and Content-Length are added here.
  if (!names.has('host')) raw.push('host', url.host);
  const encoded = requestBody(request);
  const body = encoded?.text;
  if (encoded?.form && !names.has('content-type')) {
    raw.push('content-type', 'application/x-www-form-urlencoded');
  }
  if (body !== undefined && !names.has('content-length')) {
    raw.push('content-length', String(Buffer.byteLength(body)));
  }
  const options = {
    host: url.hostname,
    port: url.port,
    method: request.method,
    path: request.path,
    headers: raw,
    agent: false as const,
    timeout: TIMEOUT_MS,
  };
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => resolve(toResponse(response, Buffer.concat(chunks))));
    };
    const outgoing =
      url.protocol === 'https:'
        ? httpsRequest(
            {
              ...options,
              ...(tls.ca ? { ca: tls.ca } : {}),
              ...(request.cert ? { cert: request.cert.certPem, key: request.cert.keyPem } : {}),
            },
            onResponse,
          )
        : httpRequest(options, onResponse);
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * The body text `sendRequest` puts on the wire (UTF-8): a string verbatim, a record
 * form-encoded (`form`: it adds `application/x-www-form-urlencoded` unless a type is given).
 * What a request signature's `Content-Digest` must be computed over.
 */
export function requestBody(
  request: Pick<ConformanceRequest, 'body'>,
): { text: string; form: boolean } | undefined {
  if (typeof request.body === 'string') return { text: request.body, form: false };
  if (request.body === undefined) return undefined;
  return { text: new URLSearchParams(request.body).toString(), form: true };
}

function toResponse(response: IncomingMessage, bytes: Buffer): ConformanceResponse {
  const text = bytes.toString();
  const rawHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    const name = (response.rawHeaders[i] as string).toLowerCase();
    (rawHeaders[name] ??= []).push(response.rawHeaders[i + 1] as string);
  }
  const headers = Object.fromEntries(
    Object.entries(rawHeaders).map(([name, values]) => [name, values.join(', ')]),
  );
  let json: unknown;
  if (/^application\/(?:[\w.+-]+\+)?json\b/i.test(headers['content-type'] ?? '')) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  const body = new Uint8Array(bytes);
  return { status: response.statusCode ?? 0, headers, rawHeaders, text, body, json };
}
