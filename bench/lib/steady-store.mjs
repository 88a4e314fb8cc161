// The replay stores of the verify benchmarks, as a running server's are: full of entries, each
// new one expiring an old one. A store made fresh for a benchmark never expires or evicts
// anything, which no server that has been up longer than its proof window sees (and an
// eviction that slowed down as a store turned over went unseen here until 2026-12-02: see
// bench/README, "replay-store").

/** Entries that fill a store: as many as live at once at 1 000 a second for `TTL_S`. */
export const FILL = 80_000;
/** Inserts after the fill, each expiring one entry: the store has turned over. */
const TURNOVER = 60_000;
/** How long each entry lives (the proof window plus tolerances, by default). */
export const TTL_S = 80;

/**
 * A `memoryReplayStore` (of the core build given) with the default size, whose clock moves on
 * by 1 ms at each call, after `inserts` entries of 80 s: from 80 000 on, each insert meets an
 * expired entry. Its clock ends at `nowMs`.
 */
export function filledReplayStore(memoryReplayStore, inserts, nowMs) {
  let clockMs = nowMs - inserts;
  const store = memoryReplayStore({ clock: () => (clockMs += 1) });
  for (let i = 0; i < inserts; i += 1) store.checkAndStore(`fill-${i}`, TTL_S);
  return store;
}

/**
 * {@link filledReplayStore} with 80 000 entries and 60 000 more: the store of a server taking
 * 1 000 proofs a second for two minutes and more.
 */
export function steadyReplayStore(memoryReplayStore, nowMs) {
  return filledReplayStore(memoryReplayStore, FILL + TURNOVER, nowMs);
}
