/**
 * Readers of column values as the drivers hand them back: `pg` returns int8 and numeric as
 * strings, PGlite int8 as a number; both return timestamptz as a Date. Each reader accepts
 * every form and refuses what would lose precision.
 */

/**
 * An exact integer (minor units, counts): a number, a bigint or a decimal string.
 *
 * @example
 * readInteger('-1250', 'amount_minor'); // -1250 (pg hands int8 over as a string)
 */
export function readInteger(value: unknown, column: string): number {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+$/.test(value))
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(number)) {
    throw new RangeError(`column ${column}: not an exact integer`);
  }
  return number;
}

/**
 * Epoch ms of a timestamptz (a Date, or an ISO string).
 *
 * @example
 * readEpochMs(row.created_at, 'created_at'); // 1752573600000
 */
export function readEpochMs(value: unknown, column: string): number {
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (!Number.isFinite(ms)) throw new RangeError(`column ${column}: not a timestamp`);
  return ms;
}

/**
 * A timestamptz parameter (`$n::timestamptz`) for an epoch ms value.
 *
 * @example
 * await db.query('SELECT 1 FROM payments WHERE created_at >= $1::timestamptz', [timestampParam(Date.now())]);
 */
export function timestampParam(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * PostgreSQL text cannot hold U+0000: an identifier containing it was never stored, so lookups
 * answer "not found" without asking the database (which would refuse the parameter).
 *
 * @example
 * if (!storable(accountId)) return undefined;
 */
export function storable(...values: readonly string[]): boolean {
  return values.every((value) => !value.includes('\u0000'));
}
