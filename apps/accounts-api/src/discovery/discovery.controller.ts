import { Controller, Get, Header, Inject, Redirect } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ProtectedResourceMetadata, ResourceServer } from '@fapi-guard/core';
import { FAPI_RESOURCE_SERVER, Public } from '@fapi-guard/nestjs';
import { APP_CONFIG, type ResolvedAppConfig } from '../config/app-config.js';

/** Where the OpenAPI UI and document are served. */
export const DOCS_PATH = 'docs';
export const OPENAPI_JSON_PATH = 'openapi.json';

/** Public routes: RFC 9728 protected resource metadata, and `/` pointing at the docs. */
@ApiTags('discovery')
@Public()
@Controller()
export class DiscoveryController {
  constructor(
    @Inject(FAPI_RESOURCE_SERVER) private readonly resourceServer: ResourceServer,
    @Inject(APP_CONFIG) private readonly config: ResolvedAppConfig,
  ) {}

  /**
   * Built by fapi-guard from the verifier's own configuration (what is advertised is what is
   * enforced): issuer, header-only tokens, DPoP algorithms, certificate-bound tokens, scopes.
   */
  @Get('.well-known/oauth-protected-resource')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: 'OAuth 2.0 Protected Resource Metadata (RFC 9728)' })
  @ApiOkResponse({ description: 'RFC 9728 §2 document' })
  metadata(): ProtectedResourceMetadata {
    return this.resourceServer.metadata({
      resource_name: 'fapi-guard sample accounts API',
      resource_documentation: `${this.config.publicUrl}/${DOCS_PATH}`,
    });
  }

  @Get()
  @ApiExcludeEndpoint()
  @Redirect(`/${DOCS_PATH}`, 302)
  index(): void {}
}
