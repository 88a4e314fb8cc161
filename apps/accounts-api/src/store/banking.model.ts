/**
 * What the data store holds. Amounts are integers in minor units (pence, cents) so sums are
 * exact; the API formats them as decimal strings.
 */

export type AccountSubType = 'CurrentAccount' | 'Savings' | 'Travel';

export interface Account {
  /** Opaque identifier: reveals nothing about the owner. */
  accountId: string;
  /** The `sub` of the user who owns it. */
  ownerId: string;
  /** ISO 4217. */
  currency: string;
  accountSubType: AccountSubType;
  nickname: string;
  /** Account holder name. */
  name: string;
  iban: string;
  /** ISO date. */
  openingDate: string;
  /** Balance before the first stored transaction. */
  openingBalanceMinor: number;
}

export interface Transaction {
  transactionId: string;
  accountId: string;
  /** ISO date-time (UTC). */
  bookingDateTime: string;
  /** Signed: negative for a debit. */
  amountMinor: number;
  currency: string;
  description: string;
  merchantName?: string;
  /** Set when the transaction comes from a payment made through the API. */
  paymentId?: string;
  /** Epoch ms at which a pending transaction becomes booked; absent when booked already. */
  settlesAt?: number;
}

/** Which of a user's accounts a client (TPP) may see and pay from. */
export interface Consent {
  subject: string;
  clientId: string;
  accountIds: readonly string[];
}

export interface CreditorAccount {
  name: string;
  iban: string;
}

/**
 * The verified HTTP message signature (RFC 9421) of the request that created a payment, kept
 * as evidence for disputes: with the client's registered key and the request's bytes it proves
 * who asked for what. The values are the ones fapi-guard verified (`principal.signature`).
 */
export interface RequestSignatureRecord {
  /** The label in `Signature-Input` / `Signature` (`sig1`). */
  label: string;
  /** The client key that signed (`keyid`). */
  keyId: string;
  /** `created`, in seconds since the epoch. */
  created: number;
  /** The covered component identifiers (`"@method"`, `"content-digest"`, …). */
  components: string[];
  /** The `Signature-Input` member, without the label. */
  signatureInput: string;
  /** The signature bytes, base64. */
  signature: string;
}

export interface Payment {
  paymentId: string;
  /** The user (`sub`) who authorised it. */
  subject: string;
  /** The client (`client_id`) that initiated it. */
  clientId: string;
  debtorAccountId: string;
  amountMinor: number;
  currency: string;
  creditorAccount: CreditorAccount;
  reference: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms at which settlement completes. */
  settlesAt: number;
  idempotencyKey: string;
  /** The consent the payment was made under (the token's authorization details element). */
  consentId?: string;
  /** The signature of the request that created it; absent for unsigned (older) payments. */
  requestSignature?: RequestSignatureRecord;
}

/** Everything needed to create a payment once. */
export interface PaymentRequest {
  subject: string;
  clientId: string;
  debtorAccountId: string;
  amountMinor: number;
  currency: string;
  creditorAccount: CreditorAccount;
  reference: string;
  idempotencyKey: string;
  /** The consent the payment is made under, recorded with it. */
  consentId?: string;
  /** The verified signature of the request, recorded with it. */
  requestSignature?: RequestSignatureRecord;
  /** Hash of the request body: a key reused with another body is refused. */
  fingerprint: string;
  /** Epoch ms. */
  now: number;
  settlementDelayMs: number;
}

export type CreatePaymentOutcome =
  | { kind: 'created'; payment: Payment }
  | { kind: 'replayed'; payment: Payment }
  | { kind: 'idempotency-key-reused' }
  | { kind: 'insufficient-funds' };

export interface TransactionQuery {
  /** Inclusive lower bound of the booking time, epoch ms. */
  from?: number;
  /** Exclusive upper bound of the booking time, epoch ms. */
  to?: number;
  offset: number;
  limit: number;
}

export interface TransactionPage {
  /** Newest first. */
  items: Transaction[];
  /** Matching transactions in total (all pages). */
  total: number;
}

export interface BalanceTotals {
  /** Opening balance plus settled transactions. */
  bookedMinor: number;
  /** Opening balance plus every transaction, pending debits included. */
  availableMinor: number;
}
