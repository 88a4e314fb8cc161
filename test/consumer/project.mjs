// A throwaway npm project outside the workspace that installs the packed tarballs the way a
// user installs the published packages, compiles TypeScript with its own tsc and runs it.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (this file is test/consumer/project.mjs). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The published packages, in the order they are packed. */
export const PACKAGES = [
  'core',
  'express',
  'koa',
  'nestjs',
  'fastify',
  'fetch',
  'hono',
  'redis',
  'http-signatures',
  'testing',
];

/**
 * What a user installs next to the packages to run the README quick starts, as ranges within
 * the peer ranges the packages declare.
 */
export const FRAMEWORKS = [
  'express@^5.3.0',
  '@types/express@^5.0.0',
  'koa@^3.3.0',
  '@types/koa@^3.0.0',
  '@koa/router@^15.0.0',
  '@koa/bodyparser@^6.0.0',
  '@nestjs/common@^12.5.0',
  '@nestjs/core@^12.5.0',
  '@nestjs/platform-express@^12.5.0',
  'reflect-metadata@^0.2.0',
  'rxjs@^7.8.0',
  'fastify@^5.0.0',
  'hono@^4.6.0',
  '@hono/node-server@^2.1.0',
  'ioredis@^5.11.0',
  'typescript@~5.9.0',
  '@types/node@^20.19.0',
];

/** The consumer's tsconfig: what a strict NodeNext project (with Nest's decorators) uses. */
export const CONSUMER_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    skipLibCheck: false,
    types: ['node'],
    rootDir: 'src',
    outDir: 'dist',
  },
  include: ['src'],
};

/**
 * Runs a command to completion and returns its exit code and output. `npm` and `tsc` run under
 * the Node binary that runs this test (its directory leads PATH), so a run on another Node
 * version installs and compiles with that version too.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {{ cwd: string }} options
 * @returns {Promise<{ code: number | null, stdout: string, stderr: string }>}
 */
export function run(command, args, { cwd }) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The environment of child processes: this Node first on PATH, no npm script variables. */
function childEnv() {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_(config_workspace|package_|lifecycle_)/i.test(key),
    ),
  );
  env.PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  delete env.PORT; // a quick start may read it; the test chooses the port
  delete env.NODE_OPTIONS; // e.g. Jest's --experimental-vm-modules: not what users run with
  return env;
}

/**
 * Packs every package into `destination` with `npm pack` (what `npm publish` would upload) and
 * returns, per package, the tarball path and its file list.
 *
 * @param {string} destination
 * @returns {Promise<Map<string, { tarball: string, files: string[] }>>}
 */
export async function packPackages(destination) {
  for (const name of PACKAGES) {
    if (!existsSync(join(REPO_ROOT, 'packages', name, 'dist', 'index.js'))) {
      throw new Error(`packages/${name}/dist is missing: run \`npm run build\` first`);
    }
  }
  const workspaces = PACKAGES.flatMap((name) => ['-w', `packages/${name}`]);
  const result = await run(
    'npm',
    ['pack', '--json', '--pack-destination', destination, ...workspaces],
    {
      cwd: REPO_ROOT,
    },
  );
  if (result.code !== 0) throw new Error(`npm pack failed:\n${result.stderr}`);
  const packed = new Map();
  for (const entry of JSON.parse(result.stdout)) {
    const name = entry.name.replace('@fapi-guard/', '');
    packed.set(name, {
      tarball: join(destination, entry.filename),
      files: entry.files.map((f) => f.path),
    });
  }
  return packed;
}

/**
 * Creates an empty ESM project in the system temp directory (outside the workspace, so nothing
 * resolves from the monorepo's node_modules), installs the tarballs and the frameworks, and
 * writes the tsconfig.
 *
 * @param {string[]} tarballs
 * @returns {Promise<string>} the project directory
 */
export async function createConsumerProject(root, tarballs) {
  const dir = join(root, 'app');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'fapi-guard-consumer', private: true, type: 'module' }, null, 2),
  );
  await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(CONSUMER_TSCONFIG, null, 2));
  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
  const result = await run('npm', [...args, ...tarballs, ...FRAMEWORKS], { cwd: dir });
  if (result.code !== 0) throw new Error(`npm install failed:\n${result.stderr}`);
  return dir;
}

/** A fresh directory under the system temp directory. */
export function makeTempRoot() {
  return mkdtemp(join(tmpdir(), 'fapi-guard-consumer-'));
}

/** Removes the temp directory unless FAPI_CONSUMER_KEEP is set (for looking into a failure). */
export async function removeTempRoot(root) {
  if (process.env.FAPI_CONSUMER_KEEP) {
    console.log(`consumer project kept in ${root}`);
    return;
  }
  await rm(root, { recursive: true, force: true });
}

/**
 * Compiles `src/` with the consumer's own tsc (declaration files of node_modules included:
 * `skipLibCheck` is off) and returns its diagnostics by file (`src/express.ts`,
 * `node_modules/@types/koa/index.d.ts`, …); diagnostics naming no file are under `''`.
 *
 * @param {string} dir
 * @returns {Promise<Map<string, string[]>>}
 */
export async function compile(dir) {
  const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: dir,
  });
  const byFile = new Map();
  for (const line of `${result.stdout}${result.stderr}`.split('\n')) {
    if (line.trim() === '' || /^\s/.test(line)) continue; // continuation lines of a message
    const file = /^([^\s(]+)\(\d+,\d+\): /.exec(line)?.[1] ?? '';
    byFile.set(file, [...(byFile.get(file) ?? []), line]);
  }
  return byFile;
}

/**
 * Loads `@fapi-guard/testing` as the consumer resolves it (through its `exports`), by importing
 * a module written inside the consumer project.
 *
 * @param {string} dir
 * @returns {Promise<typeof import('@fapi-guard/testing')>}
 */
export async function importTestKit(dir) {
  const shim = join(dir, 'test-kit.mjs');
  await writeFile(shim, "export * from '@fapi-guard/testing';\n");
  return import(pathToFileURL(shim).href);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

/**
 * Starts `node <script>` in the project and resolves once `url` answers HTTP (any status), or
 * rejects with the process's output if it exits first or does not answer within `waitMs`.
 *
 * @param {string} dir
 * @param {string} script
 * @param {string} url
 * @returns {Promise<{ output: () => string, stop: () => Promise<void> }>}
 */
export async function startServer(dir, script, url, waitMs = 30_000) {
  const child = spawn(process.execPath, [script], {
    cwd: dir,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let exited = null;
  const exit = new Promise((resolveExit) =>
    child.on('exit', (code, signal) => resolveExit((exited = { code, signal }))),
  );
  const stop = async () => {
    if (exited === null) child.kill('SIGTERM');
    await exit;
  };
  const deadline = Date.now() + waitMs;
  while (exited === null) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return { output: () => output, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `${script} did not answer at ${url} within ${waitMs} ms; output:\n${output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(
    `${script} exited (${JSON.stringify(exited)}) before answering; output:\n${output}`,
  );
}
