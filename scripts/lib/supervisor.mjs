// What `npm start` and `npm run demo:cluster` share: terminal output, the workspace build, and
// the supervision of the server processes they start (readiness from stdout `key=value` lines,
// a clean stop on SIGINT/SIGTERM, and never a server left behind).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL, fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STARTUP_TIMEOUT_MS = 30_000;

/** Colours only on a terminal, and never with NO_COLOR. */
export function createTerminal() {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const paint = (code) => (text) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    color,
    bold: paint('1'),
    dim: paint('2'),
    red: paint('31'),
    green: paint('32'),
    say: (line = '') => process.stdout.write(`${line}\n`),
    seconds: (since) => `${((performance.now() - since) / 1000).toFixed(1)} s`,
  };
}

/**
 * Starts and stops the server processes of one script. `signalExitCode` is the exit code after
 * Ctrl-C; `beforeExit` runs after the children stopped (e.g. to clean up Redis keys).
 */
export function createSupervisor(terminal, { signalExitCode = 0, beforeExit } = {}) {
  const { say, dim, red } = terminal;
  const children = [];
  let stopping = false;

  /**
   * Starts `node <main>` and resolves with `{ values, server }` once it printed a `<key>=` line
   * on stdout for every key. Later stdout lines go to `server.onStdoutLine` when set, else to
   * `server.stdoutLines`; stderr is kept in `server.stderr` (and echoed once `streamStderr`).
   */
  function start(name, main, keys, extraEnv) {
    const child = spawn(process.execPath, [main], {
      cwd: ROOT,
      env: { ...process.env, ...extraEnv, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = { name, child, stderr: '', stdoutLines: [], streamStderr: false };
    server.exited = new Promise((resolve) => child.once('exit', resolve));
    children.push(server);
    child.stderr.setEncoding('utf8').on('data', (chunk) => {
      server.stderr += chunk;
      if (!server.streamStderr) return;
      for (const line of chunk.split('\n').filter(Boolean)) {
        say(dim(line.startsWith(`[${name}]`) ? line : `[${name}] ${line}`));
      }
    });
    return new Promise((resolve, reject) => {
      const values = {};
      let buffered = '';
      let ready = false;
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start within ${STARTUP_TIMEOUT_MS / 1000} s`)),
        STARTUP_TIMEOUT_MS,
      );
      child.stdout.setEncoding('utf8').on('data', (chunk) => {
        buffered += chunk;
        let newline;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (ready) {
            if (server.onStdoutLine) server.onStdoutLine(line);
            else server.stdoutLines.push(line);
            continue;
          }
          const key = keys.find((k) => line.startsWith(`${k}=`));
          if (key) values[key] = line.slice(key.length + 1).trim();
          if (keys.every((k) => values[k] !== undefined)) {
            ready = true;
            clearTimeout(timer);
            resolve({ values, server });
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) reject(new Error(`${name} exited (${code ?? signal}) before it was ready`));
        else if (!stopping) {
          say(red(`\n${name} stopped unexpectedly (${code ?? signal}):`));
          say(server.stderr.trim().split('\n').slice(-15).join('\n'));
          void shutdown(1);
        }
      });
      child.once('error', reject);
    });
  }

  /** SIGTERM to every running child (SIGKILL after 5 s), `beforeExit`, then exit. */
  async function shutdown(code) {
    if (stopping) return;
    stopping = true;
    await Promise.all(
      children.map(async ({ child, exited }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await beforeExit?.();
    process.exit(code);
  }

  /** Prints the message (and the tail of `details`) and stops everything with exit code 1. */
  function fail(message, details) {
    say(red(message));
    if (details) say(details.trim().split('\n').slice(-20).join('\n'));
    void shutdown(1);
  }

  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      if (!stopping) say(dim(`\n${signal}: stopping the servers…`));
      void shutdown(signalExitCode);
    });
  }
  // Last resort (an exception in the script): never leave a server behind.
  process.on('exit', () => {
    for (const { child } of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  return { children, start, shutdown, fail };
}

/**
 * `tsc -b tsconfig.build.json` (what `npm run build` runs) unless SKIP_BUILD=1, then checks the
 * `required` files exist. Returns false (after `fail`) when something is missing.
 */
export function buildWorkspace(terminal, fail, required, script) {
  const { say, red, seconds } = terminal;
  if (!existsSync(`${ROOT}node_modules/typescript`)) {
    fail('Dependencies are missing: run `npm install` first.');
    return false;
  }
  if (process.env.SKIP_BUILD !== '1') {
    const started = performance.now();
    process.stdout.write('  building    tsc -b tsconfig.build.json (what `npm run build` runs) … ');
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const build = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    if (build.status !== 0) {
      say(red('failed'));
      fail('The build failed:', `${build.stdout}${build.stderr}`);
      return false;
    }
    say(`done in ${seconds(started)}`);
  }
  for (const file of required) {
    if (!existsSync(`${ROOT}${file}`)) {
      fail(`${file} is missing: run \`npm run build\` (or ${script} without SKIP_BUILD).`);
      return false;
    }
  }
  return true;
}
