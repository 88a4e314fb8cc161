/**
 * The codes of HTTP message signature verification (RFC 9421 under the FAPI 2.0 HTTP Signatures
 * profile), part of `ERROR_CODES`; `docs/errors.md` documents them with the rest. Each is a 401
 * whose description names the rule broken and never the key, the signature or its base.
 */
export const SIGNATURE_ERROR_CODES = {
  ERR_FAPI_SIGNATURE_MISSING: {
    kind: 'signature',
    description: 'The request must carry an HTTP message signature',
  },
  ERR_FAPI_SIGNATURE_MALFORMED: {
    kind: 'signature',
    description: 'The Signature or Signature-Input header is malformed',
  },
  ERR_FAPI_SIGNATURE_TAG: {
    kind: 'signature',
    description: 'No request signature has the tag fapi-2-request',
  },
  ERR_FAPI_SIGNATURE_COMPONENTS: {
    kind: 'signature',
    description: 'The request signature does not cover the required components',
  },
  ERR_FAPI_SIGNATURE_CREATED: {
    kind: 'signature',
    description: 'The request signature created time is missing or outside the accepted window',
  },
  ERR_FAPI_SIGNATURE_EXPIRED: { kind: 'signature', description: 'The request signature expired' },
  ERR_FAPI_SIGNATURE_DIGEST: {
    kind: 'signature',
    description: 'The Content-Digest is missing, unsupported or does not match the body',
  },
  ERR_FAPI_SIGNATURE_KEY: {
    kind: 'signature',
    description: 'No key of the requesting client matches the request signature',
  },
  ERR_FAPI_SIGNATURE_ALG: {
    kind: 'signature',
    description: 'The request signature algorithm is not allowed',
  },
  ERR_FAPI_SIGNATURE_INVALID: {
    kind: 'signature',
    description: 'The request signature is invalid',
  },
  ERR_FAPI_SIGNATURE_REPLAY: {
    kind: 'signature',
    description: 'The request signature nonce was already used',
  },
} as const;
