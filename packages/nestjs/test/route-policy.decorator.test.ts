import { Reflector } from '@nestjs/core';
import { FapiError } from '@fapi-guard/core';
import {
  DpopBound,
  FapiHttpException,
  MtlsBound,
  Public,
  RequireAnyScope,
  RequireScopes,
  SignedRequest,
  SignedResponse,
} from '../src/index.js';
import { isSignedResponseRoute, routeRequirements } from '../src/route-policy.decorator.js';

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

describe('@SignedRequest and @SignedResponse', () => {
  it("@SignedRequest() is signedRequest 'required'; the handler's mode beats the class's", () => {
    @SignedRequest('optional')
    @RequireScopes('payments')
    class Target {
      @SignedRequest()
      strict() {}

      loose() {}
    }
    const reflector = new Reflector();
    expect(routeRequirements(reflector, Target.prototype.strict, Target)).toEqual({
      scopes: ['payments'],
      signedRequest: 'required',
    });
    expect(routeRequirements(reflector, Target.prototype.loose, Target)).toEqual({
      scopes: ['payments'],
      signedRequest: 'optional',
    });
  });

  it('rejects a misspelt mode with a TypeError naming the decorator', () => {
    expect(() => SignedRequest('requird' as 'required')).toThrow(
      new TypeError("@SignedRequest(): signedRequest must be 'required' or 'optional'"),
    );
  });

  it('@SignedResponse() on a class marks every handler; unmarked routes are not signed', () => {
    @SignedResponse()
    class Signed {
      handler() {}
    }
    class Plain {
      @SignedResponse()
      marked() {}

      unmarked() {}
    }
    const reflector = new Reflector();
    expect(isSignedResponseRoute(reflector, Signed.prototype.handler, Signed)).toBe(true);
    expect(isSignedResponseRoute(reflector, Plain.prototype.marked, Plain)).toBe(true);
    expect(isSignedResponseRoute(reflector, Plain.prototype.unmarked, Plain)).toBe(false);
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
