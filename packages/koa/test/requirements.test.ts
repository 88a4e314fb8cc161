/** How helper chains combine route requirements (declarations only, never tokens). */
import {
  coversRequirements,
  describeRequirements,
  mergeRequirements,
} from '../src/lib/requirements.js';

describe('mergeRequirements', () => {
  test('unites scopes and keeps the one anyScope list and binding', () => {
    expect(
      mergeRequirements(
        { scopes: ['a'], binding: 'dpop' },
        { scopes: ['b', 'a'], anyScope: ['x'] },
      ),
    ).toEqual({ scopes: ['a', 'b'], anyScope: ['x'], binding: 'dpop' });
  });

  test('refuses two different anyScope lists and two different bindings', () => {
    expect(() => mergeRequirements({ anyScope: ['a'] }, { anyScope: ['b'] })).toThrow(TypeError);
    expect(() => mergeRequirements({ binding: 'dpop' }, { binding: 'mtls' })).toThrow(TypeError);
  });
});

describe('coversRequirements', () => {
  test.each([
    [{ scopes: ['a', 'b'] }, { scopes: ['a'] }, true],
    [{ scopes: ['a'] }, { scopes: ['b'] }, false],
    [{ scopes: ['a'] }, { anyScope: ['a', 'z'] }, true],
    [{ anyScope: ['a'] }, { anyScope: ['a', 'z'] }, true],
    [{ anyScope: ['a', 'z'] }, { anyScope: ['a'] }, false],
    [{ binding: 'dpop' }, { binding: 'dpop' }, true],
    [{}, { binding: 'mtls' }, false],
    [{ scopes: ['a'], binding: 'mtls' }, {}, true],
  ] as const)('%j covers %j: %s', (verified, extra, covered) => {
    expect(coversRequirements(verified, extra)).toBe(covered);
  });
});

test('describeRequirements writes the chain a user would', () => {
  expect(describeRequirements({ scopes: ['a', 'b'], binding: 'dpop' })).toBe(
    "requireScopes('a', 'b').dpopBound()",
  );
  expect(describeRequirements({})).toBe('requireScopes()');
});
