import { resolveOptions, type ResolvedOptions, type ResourceServerOptions } from './options.js';

/**
 * RFC 9728 §2 protected resource metadata, as fapi-guard publishes it.
 *
 * @example
 * app.get(protectedResourceMetadataPath(resource), (req, res) => res.json(rs.metadata()));
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export interface ProtectedResourceMetadata {
  resource: string;
  authorization_servers: string[];
  scopes_supported?: string[];
  bearer_methods_supported: ['header'];
  dpop_signing_alg_values_supported?: string[];
  /** RFC 9728 §2: the `authorization_details` types this resource server understands. */
  authorization_details_types_supported?: string[];
  dpop_bound_access_tokens_required: boolean;
  tls_client_certificate_bound_access_tokens: boolean;
  [member: string]: unknown;
}

/**
 * Members to add or override (for example `resource_name`, `resource_documentation`).
 *
 * @example
 * rs.metadata({ resource_name: 'Accounts API' });
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export type MetadataExtras = Partial<ProtectedResourceMetadata> & Record<string, unknown>;

/**
 * Builds the RFC 9728 document from the verifier's own configuration, so what is advertised is
 * what is enforced: header-only tokens, the DPoP algorithms of the `algs` challenge, and whether
 * DPoP or mTLS bound tokens are accepted. Empty arrays are omitted (§3.2).
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function buildMetadata(
  config: ResolvedOptions,
  extras: MetadataExtras = {},
): ProtectedResourceMetadata {
  const metadata: ProtectedResourceMetadata = {
    resource: config.audiences[0] as string,
    authorization_servers: [...config.issuers.keys()],
    bearer_methods_supported: ['header'],
    dpop_bound_access_tokens_required:
      config.dpop !== undefined &&
      config.mtls === undefined &&
      config.senderConstraint === 'required',
    tls_client_certificate_bound_access_tokens: config.mtls !== undefined,
  };
  if (config.scopesSupported?.length) metadata.scopes_supported = [...config.scopesSupported];
  if (config.authorizationDetailsTypesSupported?.length) {
    metadata.authorization_details_types_supported = [...config.authorizationDetailsTypesSupported];
  }
  if (config.dpop) metadata.dpop_signing_alg_values_supported = [...config.dpop.algorithms];
  return { ...metadata, ...extras };
}

/**
 * The path at which RFC 9728 §3.1 says the document is served for `resource`: the well-known
 * segment goes between the host and the resource's path.
 *
 * @example
 * protectedResourceMetadataPath('https://api.bank.example/v1');
 * // '/.well-known/oauth-protected-resource/v1'
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1
 */
export function protectedResourceMetadataPath(resource: string): string {
  const path = new URL(resource).pathname.replace(/\/$/, '');
  return `/.well-known/oauth-protected-resource${path}`;
}

/**
 * RFC 9728 metadata straight from resource-server options (same as `ResourceServer.metadata`).
 *
 * @example
 * const document = protectedResourceMetadata(options, { resource_name: 'Accounts API' });
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadata(
  options: ResourceServerOptions,
  extras?: MetadataExtras,
): ProtectedResourceMetadata {
  return buildMetadata(
    resolveOptions({
      ...options,
      dpop: options.dpop === false ? false : { ...options.dpop, replayStore: NO_STORE },
    }),
    extras,
  );
}

const NO_STORE = { checkAndStore: () => false };
