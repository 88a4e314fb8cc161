// Child-process plumbing for the HTTP bench: start a server script (optionally pinned to one
// CPU), stop it, read its CPU time, and pin the bench process itself (the load generator).
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';

const SERVERS_DIR = new URL('../servers/', import.meta.url);

// Servers still running when the bench exits (an error, Ctrl-C) are stopped with it, so none is
// left holding the port.
const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGTERM');
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130));

/** The CPUs this process may run on (Linux `Cpus_allowed_list`), or `undefined` elsewhere. */
export function allowedCpus() {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const list = /^Cpus_allowed_list:\s*(.+)$/m.exec(status)?.[1];
    if (!list) return undefined;
    return list.split(',').flatMap((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
  } catch {
    return undefined;
  }
}

/** Whether `taskset` (util-linux) can be run. */
export function hasTaskset() {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Sets the CPU affinity of every thread of this process (`cpus`: a taskset list, "0" or "0-1"). */
export function pinSelf(cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(process.pid)], { stdio: 'ignore' });
}

/**
 * Spawns `node servers/<script>` with `env`, pinned to `cpu` when given, and resolves once it
 * prints "ready" (15 s at most).
 */
export async function startServer({ name, script, env, cpu }) {
  const node = [process.execPath, new URL(script, SERVERS_DIR).pathname];
  const [command, ...args] = cpu === undefined ? node : ['taskset', '-c', String(cpu), ...node];
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const deadline = Date.now() + 15_000;
  while (!out.includes('ready')) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stopServer(child);
      throw new Error(`${name} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}

/** Stops a server started by {@link startServer} and waits for it to exit. */
export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

let ticksPerSecond;
function ticks() {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
  return ticksPerSecond;
}

/** User + system CPU seconds used so far by process `pid` (Linux /proc), or `undefined`. */
export function cpuSeconds(pid) {
  try {
    ticks();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm) ": state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/**
 * Seconds the CPUs numbered `cpus` have spent so far, summed (Linux /proc/stat), or `undefined`:
 * `busy` running any process (user, nice, system) or lost to the hypervisor (steal), `kernel`
 * in interrupts (network work is done there), `idle` (idle, iowait) and `total`.
 */
export function cpuTimes(cpus) {
  try {
    const perSecond = ticks();
    const times = { busy: 0, kernel: 0, idle: 0, total: 0 };
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const match = /^cpu(\d+) (.*)$/.exec(line);
      if (!match || !cpus.includes(Number(match[1]))) continue;
      const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = match[2]
        .split(' ')
        .map((n) => Number(n) / perSecond);
      times.busy += user + nice + system + steal;
      times.kernel += irq + softirq;
      times.idle += idle + iowait;
    }
    times.total = times.busy + times.kernel + times.idle;
    return times.total > 0 ? times : undefined;
  } catch {
    return undefined;
  }
}
