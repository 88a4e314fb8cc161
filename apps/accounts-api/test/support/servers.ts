/**
 * Child processes for the end-to-end tests: the compiled accounts API (`dist/main.js`; Nest's
 * throttler is CommonJS requiring ESM, which Jest's VM cannot do, so the API does not run
 * in-process) and the dev authorization server (apps/auth-server's `spawnAuthServer`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = join(APP_DIR, '..', '..');
const API_MAIN = join(APP_DIR, 'dist', 'main.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** Sources whose changes make dist/ stale (tsc -b rebuilds the referenced projects too). */
const SOURCE_DIRS = [
  join(APP_DIR, 'src'),
  join(REPO_ROOT, 'apps', 'auth-server', 'src'),
  join(REPO_ROOT, 'packages', 'core', 'src'),
  join(REPO_ROOT, 'packages', 'http-signatures', 'src'),
  join(REPO_ROOT, 'packages', 'nestjs', 'src'),
  join(REPO_ROOT, 'packages', 'redis', 'src'),
];
const BUILD_LOCK = join(APP_DIR, 'dist', '.e2e-build.lock');

/** tsc -b rewrites its build info on every build, even when no output changed. */
const BUILD_INFO = join(APP_DIR, 'dist', 'tsconfig.tsbuildinfo');

function stale(): boolean {
  const built = existsSync(API_MAIN) && existsSync(BUILD_INFO) ? statSync(BUILD_INFO).mtimeMs : 0;
  const authServerMain = join(REPO_ROOT, 'apps', 'auth-server', 'dist', 'main.js');
  return (
    !existsSync(authServerMain) ||
    built < Math.max(...SOURCE_DIRS.filter(existsSync).map(newestSource))
  );
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * `tsc -b apps/accounts-api` (with core, nestjs and auth-server) when dist/ is missing or older
 * than a source file. `npm test` built everything already; this makes a bare `jest` run work.
 * Test files run in parallel workers: a lock directory lets one of them build.
 */
export function ensureBuilt(): void {
  if (!stale()) return;
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(BUILD_LOCK);
      break;
    } catch {
      if (waited > 120_000) throw new Error(`stale build lock ${BUILD_LOCK}`);
      sleep(100);
    }
  }
  try {
    if (!stale()) return;
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-b', join(APP_DIR, 'tsconfig.json')], {
      stdio: 'inherit',
    });
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/**
 * Longest start-up of one API process: it starts its embedded database (PGlite) too, and test
 * files start several processes at once on a small machine.
 */
const API_START_TIMEOUT_MS = 90_000;

/** Longest wait for an audit line the API prints (it writes the line before it answers). */
export const AUDIT_LINE_TIMEOUT_MS = 20_000;

export interface SpawnedApi {
  /** The public URL (`PUBLIC_URL`, else the listen URL). */
  url: string;
  /** Where this process listens. */
  listenUrl: string;
  child: ChildProcess;
  /** The complete JSON lines of stdout so far: the audit trail. */
  auditLines(): Array<Record<string, unknown>>;
  /**
   * Resolves with the first audit line `match` accepts, read already or once it arrives; rejects
   * after {@link AUDIT_LINE_TIMEOUT_MS} or when the process exits without printing it.
   */
  waitForAuditLine(
    match: (line: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>>;
  rawStdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts the API on a free port with `env` and resolves once it printed `listen=<url>` and
 * `api=<url>`.
 */
export function spawnAccountsApi(env: Record<string, string>): Promise<SpawnedApi> {
  const child = spawn(process.execPath, [API_MAIN], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'error', ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A chunk may end inside a line: only lines ended by a newline are parsed.
  const auditLines = () =>
    stdout
      .slice(0, stdout.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const waitForAuditLine = (match: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        const line = auditLines().find(match);
        if (line) done(() => resolve(line));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no such audit line in ${AUDIT_LINE_TIMEOUT_MS} ms`))),
        AUDIT_LINE_TIMEOUT_MS,
      );
      const gone = () => done(() => reject(new Error('accounts-api exited without the line')));
      const done = (settle: () => void) => {
        clearTimeout(timer);
        child.stdout?.off('data', check);
        child.off('exit', gone);
        settle();
      };
      child.stdout?.on('data', check);
      child.once('exit', gone);
      check();
    });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`accounts-api did not start in time. stderr:\n${stderr}`));
    }, API_START_TIMEOUT_MS);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const url = /^api=(\S+)$/m.exec(stdout)?.[1];
      const listenUrl = /^listen=(\S+)$/m.exec(stdout)?.[1];
      if (url && listenUrl && !started) {
        started = true;
        clearTimeout(timer);
        resolve({
          url,
          listenUrl,
          child,
          rawStdout: () => stdout,
          auditLines,
          waitForAuditLine,
          stderr: () => stderr,
          stop,
        });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started)
        reject(new Error(`accounts-api exited (${code ?? signal}) before starting:\n${stderr}`));
    });
  });
}

/** How a repository script run ended. */
export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node scripts/<name>` from the repository root without colours, until it exits. */
export function runScript(name: string, env: Record<string, string>): Promise<ScriptRun> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', name)], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_OPTIONS: '', NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/**
 * A loopback port nothing listens on right now: for "service unreachable" cases, or for a process
 * to bind just after.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
