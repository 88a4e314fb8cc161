/**
 * Merges `overrides` over `defaults`. A member whose override value is `undefined` (an own
 * property set to `undefined`) is removed from the result. Neither input is mutated.
 */
export function applyOverrides(
  defaults: Record<string, unknown>,
  overrides: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...defaults };
  if (overrides === undefined) return result;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}
