/** Readable output of the walkthrough: requests, answers, verdicts. */
import type { Exchange } from './api-client.js';

export interface FlowStepLike {
  phase: string;
  method: string;
  url: string;
  status: number;
  location?: string;
  error?: string;
}

const REQUEST_HEADERS = [
  'authorization',
  'dpop',
  'x-idempotency-key',
  'content-digest',
  'signature-input',
  'signature',
];
/** Request headers printed in full. */
const FULL_REQUEST_HEADERS = new Set(['x-idempotency-key', 'signature-input']);
const RESPONSE_HEADERS = [
  'www-authenticate',
  'x-fapi-interaction-id',
  'cache-control',
  'location',
  'idempotent-replayed',
  'dpop-nonce',
  'content-digest',
  'signature-input',
  'signature',
];

/** `eyJhbGciOi…` (1234 chars): enough to recognise, never the whole credential. */
export function abbreviate(value: string, keep = 24): string {
  return value.length <= keep + 8 ? value : `${value.slice(0, keep)}… (${value.length} chars)`;
}

function decodeJwtPart(jwt: string, index: number): Record<string, unknown> | undefined {
  const part = jwt.split('.')[index];
  if (!part) return undefined;
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The claims of a JWT, decoded and NOT verified (for display). */
export function peekJwt(jwt: string): Record<string, unknown> | undefined {
  return decodeJwtPart(jwt, 1);
}

export class Printer {
  readonly #out: (line: string) => void;
  readonly #color: boolean;

  constructor(out: (line: string) => void, color = false) {
    this.#out = out;
    this.#color = color;
  }

  #paint(code: string, text: string): string {
    return this.#color ? `\u001b[${code}m${text}\u001b[0m` : text;
  }
  dim(text: string): string {
    return this.#paint('2', text);
  }
  bold(text: string): string {
    return this.#paint('1', text);
  }
  green(text: string): string {
    return this.#paint('32', text);
  }
  red(text: string): string {
    return this.#paint('31', text);
  }

  line(text = ''): void {
    this.#out(text);
  }

  heading(title: string): void {
    this.#out('');
    this.#out(this.bold(`━━ ${title} ${'━'.repeat(Math.max(3, 76 - title.length))}`));
  }

  note(text: string): void {
    this.#out(`  ${text}`);
  }

  flowStep(step: FlowStepLike, issuer: string): void {
    const relative = (url: string): string =>
      url.startsWith(issuer) ? url.slice(issuer.length) || '/' : url;
    const target = relative(step.url);
    const shown = target.length > 58 ? `${target.slice(0, 57)}…` : target;
    const status = step.status >= 400 ? this.red(String(step.status)) : String(step.status);
    const extra = step.error
      ? ` ${this.dim(`(${step.error}, retried)`)}`
      : step.location
        ? ` ${this.dim(`→ ${abbreviate(relative(step.location), 40)}`)}`
        : '';
    this.#out(
      `  ${step.phase.padEnd(11)} ${step.method.padEnd(4)} ${shown.padEnd(58)} ${status}${extra}`,
    );
  }

  /**
   * One request and its answer. `summary` replaces the JSON body of a 2xx answer with a few
   * lines; error bodies are always shown.
   */
  exchange(exchange: Exchange, summary?: string[]): void {
    const { request, response } = exchange;
    this.#out(`  ${this.bold('→')} ${request.method} ${request.url}`);
    for (const name of REQUEST_HEADERS) {
      const value = request.headers[name];
      if (value === undefined) continue;
      let shown = FULL_REQUEST_HEADERS.has(name) ? value : abbreviate(value, 30);
      if (name === 'dpop') {
        const proof = peekJwt(value);
        if (proof) shown += this.dim(`  [htm ${String(proof.htm)}, htu ${String(proof.htu)}]`);
      }
      this.#out(`    ${name}: ${shown}`);
    }
    if (request.body) this.#out(this.dim(`    ${request.body}`));
    const ok = response.status < 400;
    const status = `${response.status} ${response.statusText}`;
    this.#out(`  ${this.bold('←')} ${ok ? this.green(status) : this.red(status)}`);
    for (const name of RESPONSE_HEADERS) {
      const value = response.headers[name];
      if (value !== undefined) this.#out(this.dim(`    ${name}: ${value}`));
    }
    if (ok && summary) {
      for (const line of summary) this.#out(`    ${line}`);
    } else if (response.body !== '') {
      const text =
        typeof response.body === 'string' ? response.body : JSON.stringify(response.body, null, 2);
      const lines = text.split('\n');
      for (const line of lines.slice(0, 14)) this.#out(`    ${line}`);
      if (lines.length > 14) this.#out(this.dim(`    … ${lines.length - 14} more lines`));
    }
  }

  verdict(ok: boolean, text: string): void {
    this.#out(`  ${ok ? this.green('✓') : this.red('✗')} ${text}`);
  }
}
