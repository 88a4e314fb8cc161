import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsPolicy } from '@fapi-guard/core';

/**
 * @internal The middleware `FapiGuardModule` mounts on every route when its options carry
 * `cors`: writes core's CORS headers for the request's origin (before any guard, so the 401s
 * `FapiGuard` answers carry them too) and answers a preflight from a listed origin 204 without
 * running guards or handlers. Works on the raw Node request and response, so on Express and
 * Fastify alike.
 */
export function fapiCorsMiddleware(policy: CorsPolicy) {
  return function fapiCors(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    const decision = policy({
      method: req.method ?? 'GET',
      origin: req.headers.origin,
      requestMethod: req.headers['access-control-request-method'],
    });
    for (const [name, value] of Object.entries(decision.headers)) {
      res.setHeader(name, name === 'vary' ? addVary(res.getHeader('vary'), value) : value);
    }
    if (decision.preflight) {
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}

function addVary(current: ReturnType<ServerResponse['getHeader']>, name: string): string {
  const list = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (list.some((entry) => entry === '*' || entry.toLowerCase() === name.toLowerCase())) {
    return list.join(', ');
  }
  return [...list, name].join(', ');
}
