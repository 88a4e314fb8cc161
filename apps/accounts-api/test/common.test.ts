import { parseDateRange, DateRangeError } from '../src/common/date-range.js';
import { formatMinor, parseMinor } from '../src/common/money.js';
import { pageLinks, pageMeta } from '../src/common/paging.js';
import { checkIdempotencyKey } from '../src/payments/idempotency-key.decorator.js';

describe('date range', () => {
  it('turns dates into a half-open UTC interval covering both days', () => {
    expect(parseDateRange('2025-03-01', '2025-03-31')).toEqual({
      from: Date.parse('2025-03-01T00:00:00Z'),
      to: Date.parse('2025-04-01T00:00:00Z'),
    });
  });

  it('honours offsets of date-times', () => {
    expect(parseDateRange('2025-03-01T00:00:00+01:00').from).toBe(
      Date.parse('2025-02-28T23:00:00Z'),
    );
  });

  it.each(['2025-02-29', '2025-04-31', '2025-03-01T10:00:00', 'yesterday'])(
    'rejects %s',
    (value) => {
      expect(() => parseDateRange(value)).toThrow(DateRangeError);
    },
  );

  it('accepts a one-day range and rejects an inverted one', () => {
    expect(() => parseDateRange('2025-03-01', '2025-03-01')).not.toThrow();
    expect(() => parseDateRange('2025-03-02', '2025-03-01')).toThrow('to must not be before from');
  });
});

describe('money', () => {
  it.each([
    ['25.00', 2500],
    ['0.01', 1],
    ['1234567.89', 123456789],
  ])('parses %s as %d minor units and back', (text, minor) => {
    expect(parseMinor(text)).toBe(minor);
    expect(formatMinor(minor)).toBe(text);
    expect(formatMinor(-minor)).toBe(text);
  });
});

describe('paging', () => {
  it('omits prev on the first page and next on the last', () => {
    const meta = pageMeta({ page: 3, pageSize: 10 }, 30);
    const links = pageLinks('https://api.test/x', meta, { from: '2025-01-01', to: undefined });
    expect(meta.totalPages).toBe(3);
    expect(links.next).toBeUndefined();
    expect(links.prev).toBe('https://api.test/x?from=2025-01-01&page=2&pageSize=10');
  });

  it('counts one page when there is nothing', () => {
    expect(pageMeta({ page: 1, pageSize: 25 }, 0).totalPages).toBe(1);
  });
});

describe('x-idempotency-key', () => {
  it.each([undefined, '', 'a b', 'a'.repeat(41), 'é', 'k1, k2'])('rejects %p with 400', (value) => {
    expect(() => checkIdempotencyKey(value)).toThrow(
      expect.objectContaining({ status: 400 }) as unknown as Error,
    );
  });

  it('accepts a UUID', () => {
    const key = '0b6b5d0e-8a83-4c47-9d0b-6ab2bb6a2d24';
    expect(checkIdempotencyKey(key)).toBe(key);
  });
});
