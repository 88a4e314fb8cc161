import type { LoggerService, LogLevel } from '@nestjs/common';

/**
 * Nest's own messages (start-up, errors) as JSON lines on stderr, so stdout carries only the
 * machine-readable lines: `api=<url>` and the audit trail.
 */
export class JsonLogger implements LoggerService {
  constructor(private readonly levels: readonly LogLevel[]) {}

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.levels.includes(level)) return;
    const context = typeof rest.at(-1) === 'string' ? (rest.at(-1) as string) : undefined;
    const stack =
      level === 'error' && rest.length >= 2 && typeof rest[0] === 'string' ? rest[0] : undefined;
    const text = message instanceof Error ? message.message : String(message);
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), level, context, message: text, stack })}\n`,
    );
  }
}
