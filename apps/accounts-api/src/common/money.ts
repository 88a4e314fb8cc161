/** Amounts on the wire: decimal strings with two fraction digits, as open-banking APIs use. */

/** `12.50` → 1250. The pattern check happened in validation; this only converts. */
export function parseMinor(amount: string): number {
  const [units = '0', fraction = '00'] = amount.split('.');
  return Number(units) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
}

/** 1250 → `12.50`; the sign is dropped (the API carries it as a credit/debit indicator). */
export function formatMinor(minor: number): string {
  const absolute = Math.abs(minor);
  return `${Math.floor(absolute / 100)}.${String(absolute % 100).padStart(2, '0')}`;
}

export type CreditDebitIndicator = 'Credit' | 'Debit';

export function indicatorOf(minor: number): CreditDebitIndicator {
  return minor < 0 ? 'Debit' : 'Credit';
}
