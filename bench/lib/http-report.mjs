// The summary of bench/http.mjs: per-server medians over rounds, and each fapi-guard row's
// per-round ratio to its framework's floor and (Express) to the peer, with PASS/MISS.
import { loadavg } from 'node:os';

export const TARGET_VS_FLOOR = 0.9;
export const TARGET_VS_PEER = 1.4;
/** A run whose server's core gave more than this (%) to other processes was disturbed. */
export const OTHER_WORK_LIMIT = 10;

/** Whether other processes took more than OTHER_WORK_LIMIT % of the server's core in `run`. */
export function isDisturbed(run) {
  return run.core !== undefined && run.core.other > OTHER_WORK_LIMIT;
}

/** Prints the two tables for `runs` (every run of `servers`, `rounds` rounds, `elapsed` s). */
export function printReport({ runs, servers, rounds, elapsed }) {
  const of = (id) => runs.filter((r) => r.server.id === id);
  console.log(
    `\n${rounds} rounds in ${elapsed} s; load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  console.log(
    '| server | req/s (median) | req/s (min–max) | p99 ms (median) | server CPU µs/req (median) | server busy % (median) | other work % (median) | non-2xx | errors |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const server of servers) {
    const rows = of(server.id);
    const rps = rows.map((r) => r.rps);
    const cpu = rows.map((r) => r.cpuPerRequest).filter((v) => v !== undefined);
    const busy = rows.map((r) => r.serverBusy).filter((v) => v !== undefined);
    const other = rows.map((r) => r.core?.other).filter((v) => v !== undefined);
    console.log(
      `| ${server.name} | ${fmt(median(rps))} | ${fmt(Math.min(...rps))}–${fmt(Math.max(...rps))} ` +
        `| ${median(rows.map((r) => r.p99))} | ${cpu.length ? fmt(median(cpu)) : '?'} ` +
        `| ${busy.length ? Math.round(median(busy)) : '?'} ` +
        `| ${other.length ? Math.round(median(other)) : '?'} ` +
        `| ${sum(rows.map((r) => r.non2xx))} | ${sum(rows.map((r) => r.errors))} |`,
    );
  }

  const comparisons = [];
  for (const server of servers.filter((s) => s.role === 'fapi')) {
    const floor = servers.find((s) => s.role === 'floor' && s.framework === server.framework);
    if (floor) comparisons.push({ server, base: floor, target: TARGET_VS_FLOOR });
  }
  const expressFapi = servers.find((s) => s.id === 'express-fapi');
  const peer = servers.find((s) => s.id === 'express-peer');
  if (expressFapi && peer)
    comparisons.push({ server: expressFapi, base: peer, target: TARGET_VS_PEER });
  if (comparisons.length === 0) return;

  console.log(
    '\n| row | against | req/s ratio (median of rounds) | per round | target | result | CPU/req ratio (median) | result by CPU/req |',
  );
  console.log('|---|---|---:|---|---:|---|---:|---|');
  for (const { server, base, target } of comparisons) {
    const ours = of(server.id);
    const theirs = of(base.id);
    const ratio = median(ours.map((r, i) => r.rps / theirs[i].rps));
    const perRound = ours
      .map((r, i) => {
        const mark = isDisturbed(r) || isDisturbed(theirs[i]) ? '*' : '';
        return `${(r.rps / theirs[i].rps).toFixed(2)}${mark}`;
      })
      .join(' ');
    const cpuRatios = ours
      .map((r, i) => theirs[i].cpuPerRequest / r.cpuPerRequest)
      .filter(Number.isFinite);
    const cpuRatio = cpuRatios.length ? median(cpuRatios) : undefined;
    const verdict = (x) => (x === undefined ? '?' : x >= target ? 'PASS' : 'MISS');
    console.log(
      `| ${server.name} | ${base.name} | ${ratio.toFixed(2)}× | ${perRound} | ≥ ${target.toFixed(2)}× ` +
        `| ${verdict(ratio)} | ${cpuRatio === undefined ? '?' : `${cpuRatio.toFixed(2)}×`} ` +
        `| ${verdict(cpuRatio)} |`,
    );
  }
  const disturbed = runs.filter(isDisturbed);
  if (disturbed.length > 0)
    console.log(
      `\n${disturbed.length} of ${runs.length} runs lost more than ${OTHER_WORK_LIMIT} % of their server's ` +
        "core to other processes (a * marks their rounds' ratios): their req/s say more about " +
        'the machine than the server, and the CPU/req ratios hold up better.',
    );
  if (rounds < 3) console.log('\n(fewer than 3 rounds: the medians are not robust)');
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

export function fmt(n) {
  return Math.round(n).toLocaleString('en-US').replace(/,/g, ' ');
}
