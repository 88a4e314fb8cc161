import { renderChallenge, quoteSafe } from './challenge.js';
import { FapiError } from './errors.js';

const policy = {
  schemes: ['DPoP', 'Bearer'] as const,
  dpopAlgorithms: ['PS256', 'ES256', 'EdDSA'],
};

describe('renderChallenge (RS-ERR-01..04, RS-DPOP-16)', () => {
  test('no credentials: every offered scheme, no error anywhere (RS-ERR-02)', () => {
    expect(renderChallenge(new FapiError('ERR_FAPI_NO_CREDENTIALS'), policy)).toBe(
      'DPoP algs="PS256 ES256 EdDSA", Bearer',
    );
  });

  test('an error tied to a scheme goes into that challenge only, and it comes first', () => {
    expect(
      renderChallenge(new FapiError('ERR_FAPI_TOKEN_EXPIRED', { scheme: 'Bearer' }), policy),
    ).toBe(
      'Bearer error="invalid_token", error_description="The access token expired", DPoP algs="PS256 ES256 EdDSA"',
    );
    expect(renderChallenge(new FapiError('ERR_FAPI_DPOP_HTU_MISMATCH'), policy)).toBe(
      'DPoP error="invalid_dpop_proof", error_description="DPoP proof htu does not match the request URI", algs="PS256 ES256 EdDSA", Bearer',
    );
  });

  test('insufficient_user_authentication carries acr_values and max_age as RFC 9470 §3 shows (RS-STEP-02)', () => {
    const error = new FapiError('ERR_FAPI_ACR_INSUFFICIENT', {
      scheme: 'Bearer',
      acrValues: ['urn:bank:acr:strong', 'urn:bank:acr:sca'],
      maxAge: 300,
    });
    expect(renderChallenge(error, { schemes: ['Bearer'], dpopAlgorithms: [] })).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="urn:bank:acr:strong urn:bank:acr:sca", max_age="300"',
    );
    expect(
      renderChallenge(
        new FapiError('ERR_FAPI_AUTH_TIME_TOO_OLD', { scheme: 'Bearer', maxAge: 0 }),
        { schemes: ['Bearer'], dpopAlgorithms: [] },
      ),
    ).toBe(
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="0"',
    );
  });

  test('an ambiguous error goes into both challenges (RFC 9449 §7.2)', () => {
    expect(renderChallenge(new FapiError('ERR_FAPI_MULTIPLE_METHODS'), policy)).toBe(
      'DPoP error="invalid_request", error_description="Multiple methods used to include access token", algs="PS256 ES256 EdDSA", ' +
        'Bearer error="invalid_request", error_description="Multiple methods used to include access token"',
    );
  });

  test('insufficient_scope carries scope (RS-ERR-03)', () => {
    const error = new FapiError('ERR_FAPI_INSUFFICIENT_SCOPE', {
      scheme: 'DPoP',
      scope: ['accounts', 'payments'],
    });
    expect(error.status).toBe(403);
    expect(renderChallenge(error, policy)).toContain(
      'DPoP error="insufficient_scope", error_description="The access token does not grant the required scope", scope="accounts payments"',
    );
  });

  test('a scheme the server does not offer is added when the error belongs to it', () => {
    const dpopOnly = { ...policy, schemes: ['DPoP'] as const };
    expect(
      renderChallenge(new FapiError('ERR_FAPI_DPOP_DOWNGRADE', { scheme: 'Bearer' }), dpopOnly),
    ).toMatch(/^Bearer error="invalid_token".*, DPoP algs=/);
  });

  test('realm and resource_metadata are included once per challenge', () => {
    const rendered = renderChallenge(new FapiError('ERR_FAPI_NO_CREDENTIALS'), {
      ...policy,
      realm: 'bank',
      resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource',
    });
    expect(rendered).toBe(
      'DPoP realm="bank", algs="PS256 ES256 EdDSA", resource_metadata="https://api.test/.well-known/oauth-protected-resource", Bearer realm="bank", resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
    );
  });

  test('503 has no challenge', () => {
    expect(renderChallenge(new FapiError('ERR_FAPI_KEYS_UNAVAILABLE'), policy)).toBeUndefined();
  });

  test('quoted values never contain a quote, backslash or control character (RS-ERR-04)', () => {
    expect(quoteSafe('a"b\\c\nd\u00e9')).toBe('a?b?c?d?');
    expect(
      renderChallenge(new FapiError('ERR_FAPI_NO_CREDENTIALS'), {
        ...policy,
        realm: 'x", error="forged',
      }),
    ).toBe(
      'DPoP realm="x?, error=?forged", algs="PS256 ES256 EdDSA", Bearer realm="x?, error=?forged"',
    );
  });
});
