/** Real HTTP servers for the Hono tests (@hono/node-server), closed after each test. */
import { startConformanceServer } from '@fapi-guard/testing';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';

/**
 * Registers the `afterEach` that closes what a test started: the servers `serve` made and
 * whatever else the test pushed on `running` (a guard's resource server).
 */
export function realServers() {
  const running: Array<{ close(): Promise<void> }> = [];
  afterEach(() => Promise.all(running.splice(0).map((x) => x.close())));
  return {
    running,
    /** Serves `app` on a real server until the test ends; resolves to its URL. */
    async serve(app: Hono): Promise<string> {
      const server = await startConformanceServer(getRequestListener(app.fetch));
      running.push(server);
      return server.url;
    },
  };
}
