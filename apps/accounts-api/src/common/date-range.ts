/**
 * Booking-date filters of the transactions endpoint. A bound is an ISO 8601 date (`2025-03-01`,
 * a UTC day) or a date-time with an offset (`2025-03-01T12:00:00Z`, `...+01:00`). Both bounds
 * are inclusive: `to=2025-03-31` covers the whole of 31 March.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

export interface DateRange {
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
}

export class DateRangeError extends Error {
  constructor(
    readonly field: 'from' | 'to',
    message: string,
  ) {
    super(message);
  }
}

function realCalendarDay(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The instant a bound starts at; a date-only `to` is moved to the end of its day. */
function parseBound(field: 'from' | 'to', value: string): number {
  const date = DATE.exec(value);
  const dateTime = date ? undefined : DATE_TIME.exec(value);
  const parts = date ?? dateTime;
  if (!parts || !realCalendarDay(parts[1] as string, parts[2] as string, parts[3] as string)) {
    throw new DateRangeError(
      field,
      `${field} must be a date (YYYY-MM-DD) or a date-time with offset`,
    );
  }
  const time = Date.parse(date ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(time)) {
    throw new DateRangeError(
      field,
      `${field} must be a date (YYYY-MM-DD) or a date-time with offset`,
    );
  }
  if (field === 'from') return time;
  return date ? time + DAY_MS : time + 1;
}

/** Whether `value` is a real calendar date or date-time in the accepted syntax. */
export function isDateOrDateTime(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    parseBound('from', value);
    return true;
  } catch {
    return false;
  }
}

/** Parses `from`/`to` into a half-open interval; throws {@link DateRangeError}. */
export function parseDateRange(from?: string, to?: string): DateRange {
  const range: DateRange = {};
  if (from !== undefined) range.from = parseBound('from', from);
  if (to !== undefined) range.to = parseBound('to', to);
  if (range.from !== undefined && range.to !== undefined && range.from >= range.to) {
    throw new DateRangeError('to', 'to must not be before from');
  }
  return range;
}
