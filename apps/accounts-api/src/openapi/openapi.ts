/**
 * The OpenAPI 3.1 document and UI (`/docs`, `/openapi.json`), with the two ways a token is
 * sender-constrained described as security schemes: `DPoP` (RFC 9449) and `mTLS` (RFC 8705).
 */
import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type SecuritySchemeObject,
} from '@nestjs/swagger';
import { SECURITY_SCHEMES } from '../common/api-docs.js';
import type { ResolvedAppConfig } from '../config/app-config.js';
import { DOCS_PATH, OPENAPI_JSON_PATH } from '../discovery/discovery.controller.js';

const DESCRIPTION = `A sample open-banking API protected by fapi-guard as a FAPI 2.0 resource server.

Tokens come from the authorization server below (PAR, PKCE, private_key_jwt or
self_signed_tls_client_auth) and must be sender-constrained: either DPoP-bound (send
\`Authorization: DPoP <token>\` and a fresh \`DPoP\` proof for each request) or bound to the
client's TLS certificate (send \`Authorization: Bearer <token>\` over a TLS connection that
presents that certificate). Unbound tokens, tokens outside the header, replayed proofs and
proofs for another URL are refused with the RFC 6750 / RFC 9449 challenge.

Users only ever see the accounts they own *and* shared with the calling client.
Every response carries \`x-fapi-interaction-id\`; protected data is \`Cache-Control: no-store\`.`;

function dpopScheme(): SecuritySchemeObject {
  return {
    type: 'http',
    scheme: 'DPoP',
    description:
      'RFC 9449: `Authorization: DPoP <access token>` plus a `DPoP` header: a proof JWT ' +
      '(`typ: dpop+jwt`, ES256 or PS256) signed by the key whose thumbprint is the ' +
      "token's `cnf.jkt`, with `htm`, `htu` (this URL without query), `iat`, a unique `jti` " +
      'and `ath` (hash of the token). Each proof is accepted once.',
  };
}

function mtlsScheme(): SecuritySchemeObject {
  // OpenAPI 3.1 `mutualTLS`; @nestjs/swagger's type predates it.
  return {
    type: 'mutualTLS',
    description:
      'RFC 8705: `Authorization: Bearer <access token>` over a TLS connection presenting the ' +
      "client certificate whose SHA-256 thumbprint is the token's `cnf.x5t#S256`.",
  } as unknown as SecuritySchemeObject;
}

/** Builds the document; payment operations list only the sender constraint configured. */
export function buildOpenApiDocument(
  app: INestApplication,
  config: ResolvedAppConfig,
): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('fapi-guard sample accounts API')
    .setDescription(
      `${DESCRIPTION}\n\nAuthorization server: ${config.issuer} ` +
        `([metadata](${config.issuer}/.well-known/openid-configuration)). ` +
        `Protected resource metadata: [/.well-known/oauth-protected-resource](${config.publicUrl}/.well-known/oauth-protected-resource).`,
    )
    .setVersion('0.1.0')
    .addServer(config.publicUrl)
    .addSecurity(SECURITY_SCHEMES.dpop, dpopScheme())
    .addSecurity(SECURITY_SCHEMES.mtls, mtlsScheme());
  const document = SwaggerModule.createDocument(app, builder.build());
  if (config.paymentsBinding !== 'any') {
    const keep = SECURITY_SCHEMES[config.paymentsBinding];
    for (const [path, item] of Object.entries(document.paths)) {
      if (!path.startsWith('/domestic-payments')) continue;
      for (const operation of [item.get, item.post]) {
        if (operation?.security) {
          operation.security = operation.security.filter((requirement) => keep in requirement);
        }
      }
    }
  }
  return document;
}

export function setupOpenApi(app: INestApplication, config: ResolvedAppConfig): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, config), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: 'openapi.yaml',
    customSiteTitle: 'fapi-guard sample accounts API',
  });
}
