import { Controller, Get, Header, Inject, Redirect } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ProtectedResourceMetadata, ResourceServer } from '@fapi-guard/core';
import { responseSigningJwk, responseSigningMetadata } from '@fapi-guard/http-signatures';
import { FAPI_RESOURCE_SERVER, Public } from '@fapi-guard/nestjs';
import type { JsonWebKey } from 'node:crypto';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';

/** Where the OpenAPI UI and document are served. */
export const DOCS_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'openapi.json';
/** Where the API's response-signing key is published (the metadata's `jwks_uri`). */
export const JWKS_PATH = 'jwks';

/**
 * Public routes: RFC 9728 protected resource metadata, the JWKS of the key payment responses
 * are signed with, and `/` pointing at the docs.
 */
@ApiTags('discovery')
@Public()
@Controller()
export class DiscoveryController {
  readonly #jwks: { keys: JsonWebKey[] };
  readonly #signing: ReturnType<typeof responseSigningMetadata>;

  constructor(
    @Inject(FAPI_RESOURCE_SERVER) private readonly resourceServer: ResourceServer,
    @Inject(APP_CONFIG) private readonly config: ResolvedAppConfig,
  ) {
    const { key, keyId, algorithm } = config.signatures.responseSigning;
    this.#jwks = { keys: [responseSigningJwk(key, keyId, algorithm)] };
    this.#signing = responseSigningMetadata(`${config.publicUrl}/${JWKS_PATH}`, [algorithm]);
  }

  /**
   * Built by fapi-guard from the verifier's own configuration (what is advertised is what is
   * enforced): issuer, header-only tokens, DPoP algorithms, certificate-bound tokens, scopes;
   * plus `jwks_uri` and `resource_signing_alg_values_supported` for the response signatures.
   */
  @Get('.well-known/oauth-protected-resource')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'OAuth 2.0 Protected Resource Metadata (RFC 9728)' })
  @ApiOkResponse({ description: 'RFC 9728 §2 document' })
  metadata(): ProtectedResourceMetadata {
    return this.resourceServer.metadata({
      resource_name: 'fapi-guard sample accounts API',
      resource_documentation: `${this.config.publicUrl}/${DOCS_PATH}`,
      ...this.#signing,
    });
  }

  /** The public key payment responses are signed with (HTTP message signatures, RFC 9421). */
  @Get(JWKS_PATH)
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'JWKS of the response-signing key (RFC 7517)' })
  @ApiOkResponse({ description: '`{ keys: [public JWK with kid, alg, use sig] }`' })
  jwks(): { keys: JsonWebKey[] } {
    return this.#jwks;
  }

  @Get()
  @ApiExcludeEndpoint()
  @Redirect(`/${DOCS_PATH}`, 302)
  index(): void {}
}
