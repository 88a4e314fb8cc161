/**
 * Seeded demo data: alice and bob (the dev authorization server's users), a few accounts each,
 * six months of transactions, and the consents they gave the two demo clients. Deterministic:
 * the same anchor gives the same data.
 */
import type { Account, Consent, Transaction } from './banking.model.js';
import { PLAYGROUND_CONSENT_CLIENT } from './playground-consent.js';

export interface DemoData {
  accounts: Account[];
  transactions: Transaction[];
  consents: Consent[];
}

/** Account identifiers of the demo data (stable, documented in the README). */
export const DEMO_ACCOUNTS = {
  aliceCurrent: 'acc-5f1c2d8e',
  aliceSavings: 'acc-93b0e4a1',
  aliceTravel: 'acc-2c7d6f90',
  bobCurrent: 'acc-e81a4b37',
  bobSavings: 'acc-4d9c0a62',
} as const;

const DEMO_CLIENTS = {
  dpop: 'dpop-client',
  mtls: 'mtls-client',
  playground: PLAYGROUND_CONSENT_CLIENT,
} as const;

/** Months of history before the anchor. */
export const DEMO_HISTORY_MONTHS = 6;

/** A valid IBAN for a country, bank code and domestic account number (ISO 13616 check digits). */
export function iban(country: string, bban: string): string {
  const digits = `${bban}${country}00`
    .toUpperCase()
    .replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  const check = 98n - (BigInt(digits) % 97n);
  return `${country}${String(check).padStart(2, '0')}${bban}`;
}

/** Small deterministic PRNG (mulberry32) seeded from a string. */
function random(seed: string): () => number {
  let state = 0;
  for (const char of seed) state = (Math.imul(state, 31) + char.charCodeAt(0)) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Recurring {
  day: number;
  minor: number | [number, number];
  description: string;
  merchantName?: string;
}

interface Occasional {
  /** Average days between two. */
  everyDays: number;
  minor: [number, number];
  merchants: string[];
  description: string;
}

interface Recipe {
  account: Omit<Account, 'openingDate'>;
  monthly: Recurring[];
  occasional: Occasional[];
}

function recipes(): Recipe[] {
  const salary = (minor: number, employer: string): Recurring => ({
    day: 25,
    minor,
    description: `Salary ${employer}`,
    merchantName: employer,
  });
  const groceries: Occasional = {
    everyDays: 4,
    minor: [-9_500, -1_500],
    merchants: ['Tesco', "Sainsbury's", 'Lidl', 'Waitrose'],
    description: 'Card payment',
  };
  const coffee: Occasional = {
    everyDays: 3,
    minor: [-450, -280],
    merchants: ['Pret A Manger', 'Costa Coffee', 'Monmouth Coffee'],
    description: 'Contactless',
  };
  return [
    {
      account: {
        accountId: DEMO_ACCOUNTS.aliceCurrent,
        ownerId: 'alice',
        currency: 'GBP',
        accountSubType: 'CurrentAccount',
        nickname: 'Everyday',
        name: 'Alice Example',
        iban: iban('GB', 'FAPG40478470872490'),
        openingBalanceMinor: 1_520_00,
      },
      monthly: [
        { day: 1, minor: -1_150_00, description: 'Rent', merchantName: 'Northside Lettings' },
        {
          day: 10,
          minor: [-11_000, -6_000],
          description: 'Energy',
          merchantName: 'Octopus Energy',
        },
        { day: 15, minor: -2_500, description: 'Mobile phone', merchantName: 'Three' },
        salary(3_250_00, 'ACME Ltd'),
        { day: 26, minor: -400_00, description: 'Transfer to savings' },
      ],
      occasional: [groceries, coffee],
    },
    {
      account: {
        accountId: DEMO_ACCOUNTS.aliceSavings,
        ownerId: 'alice',
        currency: 'GBP',
        accountSubType: 'Savings',
        nickname: 'Rainy day',
        name: 'Alice Example',
        iban: iban('GB', 'FAPG40478471530218'),
        openingBalanceMinor: 8_000_00,
      },
      monthly: [
        { day: 26, minor: 400_00, description: 'Transfer from current account' },
        { day: 28, minor: [2_100, 2_600], description: 'Interest' },
      ],
      occasional: [],
    },
    {
      account: {
        accountId: DEMO_ACCOUNTS.aliceTravel,
        ownerId: 'alice',
        currency: 'EUR',
        accountSubType: 'Travel',
        nickname: 'Travel (EUR)',
        name: 'Alice Example',
        iban: iban('GB', 'FAPG40478472209951'),
        openingBalanceMinor: 250_00,
      },
      monthly: [{ day: 3, minor: 150_00, description: 'Top-up from current account' }],
      occasional: [
        {
          everyDays: 9,
          minor: [-6_500, -800],
          merchants: ['SNCF', 'Café de Flore', 'Monoprix', 'Renfe'],
          description: 'Card payment',
        },
      ],
    },
    {
      account: {
        accountId: DEMO_ACCOUNTS.bobCurrent,
        ownerId: 'bob',
        currency: 'GBP',
        accountSubType: 'CurrentAccount',
        nickname: 'Main account',
        name: 'Bob Example',
        iban: iban('GB', 'FAPG20051563918204'),
        openingBalanceMinor: 640_00,
      },
      monthly: [
        { day: 1, minor: -925_00, description: 'Mortgage', merchantName: 'Halifax' },
        { day: 12, minor: -4_299, description: 'Broadband', merchantName: 'BT' },
        salary(2_900_00, 'Globex plc'),
        { day: 27, minor: -250_00, description: 'Transfer to savings' },
      ],
      occasional: [groceries, { ...coffee, everyDays: 5 }],
    },
    {
      account: {
        accountId: DEMO_ACCOUNTS.bobSavings,
        ownerId: 'bob',
        currency: 'GBP',
        accountSubType: 'Savings',
        nickname: 'House fund',
        name: 'Bob Example',
        iban: iban('GB', 'FAPG20051564477306'),
        openingBalanceMinor: 12_400_00,
      },
      monthly: [{ day: 27, minor: 250_00, description: 'Transfer from current account' }],
      occasional: [],
    },
  ];
}

function pick(rand: () => number, minor: number | [number, number]): number {
  if (typeof minor === 'number') return minor;
  const [low, high] = minor;
  return Math.round(low + rand() * (high - low));
}

/** Transactions of one account from `start` (inclusive) to `end` (exclusive), oldest first. */
function history(recipe: Recipe, start: Date, end: Date): Transaction[] {
  const { accountId, currency } = recipe.account;
  const rand = random(accountId);
  const items: Array<Omit<Transaction, 'transactionId'>> = [];
  const at = (date: Date, hour: number): string => {
    const moment = new Date(date);
    moment.setUTCHours(hour, Math.floor(rand() * 60), Math.floor(rand() * 60), 0);
    return moment.toISOString();
  };
  for (let day = new Date(start); day < end; day.setUTCDate(day.getUTCDate() + 1)) {
    for (const event of recipe.monthly) {
      if (day.getUTCDate() !== event.day) continue;
      items.push({
        accountId,
        bookingDateTime: at(day, 6),
        amountMinor: pick(rand, event.minor),
        currency,
        description: event.description,
        ...(event.merchantName ? { merchantName: event.merchantName } : {}),
      });
    }
    for (const event of recipe.occasional) {
      if (rand() >= 1 / event.everyDays) continue;
      items.push({
        accountId,
        bookingDateTime: at(day, 8 + Math.floor(rand() * 12)),
        amountMinor: pick(rand, event.minor),
        currency,
        description: event.description,
        merchantName: event.merchants[Math.floor(rand() * event.merchants.length)] as string,
      });
    }
  }
  items.sort((a, b) => a.bookingDateTime.localeCompare(b.bookingDateTime));
  const suffix = accountId.slice(-4);
  return items.map((item, index) => ({
    transactionId: `txn-${suffix}-${String(index + 1).padStart(4, '0')}`,
    ...item,
  }));
}

/**
 * Demo accounts, transactions for the {@link DEMO_HISTORY_MONTHS} months before `anchor` (its
 * UTC day excluded), and consents: alice shared all three accounts with `dpop-client` but only
 * her GBP accounts with `mtls-client`; bob shared both his accounts with both clients. The
 * browser playground's clients share `dpop-client`'s consents (see playground-consent.ts).
 */
export function demoData(anchor: Date = new Date()): DemoData {
  const end = new Date(
    Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth(), anchor.getUTCDate()),
  );
  const start = new Date(end);
  start.setUTCMonth(start.getUTCMonth() - DEMO_HISTORY_MONTHS);
  const openingDate = start.toISOString().slice(0, 10);

  const accounts: Account[] = [];
  const transactions: Transaction[] = [];
  for (const recipe of recipes()) {
    accounts.push({ ...recipe.account, openingDate });
    transactions.push(...history(recipe, start, end));
  }
  const { aliceCurrent, aliceSavings, aliceTravel, bobCurrent, bobSavings } = DEMO_ACCOUNTS;
  const consents: Consent[] = [
    {
      subject: 'alice',
      clientId: DEMO_CLIENTS.dpop,
      accountIds: [aliceCurrent, aliceSavings, aliceTravel],
    },
    { subject: 'alice', clientId: DEMO_CLIENTS.mtls, accountIds: [aliceCurrent, aliceSavings] },
    { subject: 'bob', clientId: DEMO_CLIENTS.dpop, accountIds: [bobCurrent, bobSavings] },
    { subject: 'bob', clientId: DEMO_CLIENTS.mtls, accountIds: [bobCurrent, bobSavings] },
    {
      subject: 'alice',
      clientId: DEMO_CLIENTS.playground,
      accountIds: [aliceCurrent, aliceSavings, aliceTravel],
    },
    { subject: 'bob', clientId: DEMO_CLIENTS.playground, accountIds: [bobCurrent, bobSavings] },
  ];
  return { accounts, transactions, consents };
}
