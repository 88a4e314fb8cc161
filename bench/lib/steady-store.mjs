// The replay stores of the verify benchmarks, as a running server's are: full of entries, each
// new one expiring an old one. A store made fresh for a benchmark never expires or evicts
// anything, which no server that has been up longer than its proof window sees (and an
// eviction that slowed down as a store turned over went unseen here until 2026-12-02: see
// bench/README, "replay-store").

/** Entries in a store before the timing, each `STEP_MS` after the last, of `FILL_TTL_S`. */
const FILL = 80_000;
/** Inserts after the fill, each expiring one entry: the store has turned over. */
const TURNOVER = 60_000;
const STEP_MS = 1;
const FILL_TTL_S = 80;

/**
 * A `memoryReplayStore` (of the core build given) with the default size, whose clock moves on
 * by 1 ms at each call, filled with 80 000 entries of 80 s and then 60 000 more: the store of a
 * server taking 1 000 proofs a second for two minutes and more, where each insert meets an
 * expired entry. Its clock ends at `nowMs`.
 */
export function steadyReplayStore(memoryReplayStore, nowMs) {
  let clockMs = nowMs - (FILL + TURNOVER) * STEP_MS;
  const store = memoryReplayStore({ clock: () => (clockMs += STEP_MS) });
  for (let i = 0; i < FILL + TURNOVER; i += 1) store.checkAndStore(`fill-${i}`, FILL_TTL_S);
  return store;
}
