/** Milliseconds since the epoch; injected so tests can move time. */
export type Clock = () => number;

/** Injection token of the {@link Clock}. */
export const CLOCK = Symbol('CLOCK');
