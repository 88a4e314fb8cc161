import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { ConformanceApp, ConformanceAppOptions } from './types.js';

/**
 * Serves a Node request listener (an Express app, `koaApp.callback()`, ...) on 127.0.0.1 at a
 * random port: HTTPS with `requestCert` when `tls` is given. `close()` stops listening, destroys
 * open connections, then runs `onClose` (e.g. releasing the guard).
 *
 * @example
 * ```ts
 * const make: MakeConformanceApp = async ({ fapi, tls }) => {
 *   const app = express();
 *   // ... fapiGuard({ ...fapi, publicPaths: ['/public'] }), then the six routes
 *   return startConformanceServer(app, tls);
 * };
 * ```
 */
export async function startConformanceServer(
  listener: RequestListener,
  tls?: ConformanceAppOptions['tls'],
  onClose?: () => void | Promise<void>,
): Promise<ConformanceApp> {
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      await onClose?.();
    },
  };
}
