/**
 * Runs the compiled development AS (dist/main.js) in a child process. Tests use this because
 * oidc-provider cannot be constructed inside a Jest ESM VM context (realm check on plain objects).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/auth-server (works from src/ and from dist/). */
export const AUTH_SERVER_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const AUTH_SERVER_MAIN = join(AUTH_SERVER_APP_DIR, 'dist', 'main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (/\.ts$/.test(entry.name) && !/\.(test|spec|e2e)\.ts$/.test(entry.name)) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

/**
 * Compiles apps/auth-server (tsc -p) when dist/main.js is missing or older than a source file.
 * `npm run build` normally did this already; this makes a bare `jest` run work too.
 */
export function ensureAuthServerBuilt(): void {
  const src = join(AUTH_SERVER_APP_DIR, 'src');
  if (!existsSync(src)) return; // running from a package without sources
  const built = existsSync(AUTH_SERVER_MAIN) ? statSync(AUTH_SERVER_MAIN).mtimeMs : 0;
  if (built >= newestMtime(src)) return;
  // A composite project's .tsbuildinfo can claim "up to date" while outputs are gone.
  rmSync(join(AUTH_SERVER_APP_DIR, 'dist', 'tsconfig.tsbuildinfo'), { force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(AUTH_SERVER_APP_DIR, 'tsconfig.json')], {
    stdio: 'inherit',
  });
}

export interface SpawnAuthServerOptions {
  /** Environment for main.js (AT_FORMAT, DPOP_NONCE, RESOURCES, ...). AUTH_SERVER_PORT defaults to 0. */
  env?: Record<string, string>;
  /** Milliseconds to wait for the `issuer=` line. Default 15000. */
  startupTimeoutMs?: number;
  /** Receives the child's stderr (oidc-provider warnings, errors). Default: kept in memory only. */
  onStderr?: (chunk: string) => void;
}

export interface SpawnedAuthServer {
  issuer: string;
  child: ChildProcess;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 3 s; resolves when the child has exited. */
  stop(): Promise<void>;
}

/** Starts `node dist/main.js` and resolves once it printed its issuer. */
export function spawnAuthServer(options: SpawnAuthServerOptions = {}): Promise<SpawnedAuthServer> {
  const child = spawn(process.execPath, [AUTH_SERVER_MAIN], {
    env: { ...process.env, AUTH_SERVER_PORT: '0', ...options.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    options.onStderr?.(chunk);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  };

  return new Promise((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`auth-server did not start in time. stderr:\n${stderr}`));
    }, options.startupTimeoutMs ?? 15_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const issuer = /^issuer=(\S+)$/m.exec(stdout)?.[1];
      if (issuer) {
        clearTimeout(timer);
        resolve({ issuer, child, stderr: () => stderr, stop });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`auth-server exited (${code ?? signal}) before starting. stderr:\n${stderr}`),
      );
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
