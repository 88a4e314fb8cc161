/**
 * A `console.warn` that prints at most one line per `intervalMs`, and says how many it held
 * back: an outage at thousands of requests per second yields one line every few seconds.
 */
export function rateLimitedWarning(
  format: (error: Error) => string,
  intervalMs: number,
  clock: () => number = Date.now,
): (error: Error) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (error) => {
    const now = clock();
    if (now - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    const held = suppressed > 0 ? ` (${suppressed} more since the last report)` : '';
    lastAt = now;
    suppressed = 0;
    console.warn(`${format(error)}${held}`);
  };
}
