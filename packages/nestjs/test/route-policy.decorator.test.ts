import { Reflector } from '@nestjs/core';
import { FapiError } from '@fapi-guard/core';
import {
  DpopBound,
  FapiHttpException,
  MtlsBound,
  Public,
  RequireAnyScope,
  RequireScopes,
} from '../src/index.js';

describe('route decorators', () => {
  it.each([
    ['RequireScopes', () => RequireScopes()],
    ['RequireAnyScope', () => RequireAnyScope()],
  ])('@%s() without a scope throws a TypeError naming the decorator', (name, decorate) => {
    expect(decorate).toThrow(new TypeError(`@${name}(): name at least 1 scope`));
  });

  it.each(['two words', '', 'quote"d', 'back\\slash'])(
    'rejects %j, which is not an RFC 6749 scope-token',
    (scope) => {
      expect(() => RequireScopes('accounts', scope)).toThrow(
        new TypeError(`@RequireScopes(): "${scope}" is not a scope token (RFC 6749 §3.3)`),
      );
    },
  );

  it('stores the scopes and the binding under KEYs a Reflector reads', () => {
    @RequireScopes('accounts', 'payments')
    @RequireAnyScope('a', 'b')
    @DpopBound()
    class Target {
      @MtlsBound()
      @Public()
      handler() {}
    }
    const reflector = new Reflector();
    expect(reflector.get(RequireScopes, Target)).toEqual(['accounts', 'payments']);
    expect(reflector.get(RequireAnyScope, Target)).toEqual(['a', 'b']);
    const targets = [Target.prototype.handler, Target];
    expect(reflector.getAllAndOverride(DpopBound, targets)).toBe('mtls');
    expect(reflector.getAllAndOverride(Public, targets)).toBe(true);
    expect(reflector.get(Public, Target)).toBeUndefined();
  });
});

describe('FapiHttpException', () => {
  it("carries core's status, body and headers", () => {
    const error = new FapiError('ERR_FAPI_INSUFFICIENT_SCOPE', {
      scope: ['accounts'],
      challenge: 'DPoP error="insufficient_scope"',
    });
    const exception = new FapiHttpException(error);
    expect(exception.getStatus()).toBe(403);
    expect(exception.getResponse()).toEqual(error.body());
    expect(exception.headers).toEqual(error.headers);
    expect(exception.headers['www-authenticate']).toBe('DPoP error="insufficient_scope"');
    expect(exception.fapiError).toBe(error);
    expect(exception.cause).toBe(error);
  });
});
