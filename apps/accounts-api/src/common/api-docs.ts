/** OpenAPI decorators shared by the protected controllers. */
import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiSecurity,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponse } from './api-errors.js';

/** Names of the security schemes in the OpenAPI document. */
export const SECURITY_SCHEMES = { dpop: 'DPoP', mtls: 'mTLS' } as const;

/**
 * A FAPI-protected route: DPoP- or certificate-bound token with `scope` (OpenAPI 3.1 lets
 * non-OAuth requirements list roles: here, the scope), the FAPI headers and the error answers.
 */
export function ApiFapiProtected(scope: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiSecurity(SECURITY_SCHEMES.dpop, [scope]),
    ApiSecurity(SECURITY_SCHEMES.mtls, [scope]),
    ApiHeader({
      name: 'x-fapi-interaction-id',
      required: false,
      description: 'UUID echoed on the response (a new one is issued when absent or not a UUID)',
    }),
    ApiUnauthorizedResponse({
      description:
        'No, bad or expired token, bad DPoP proof, missing or wrong client certificate; for a ' +
        'payment above the strong-authentication threshold, `insufficient_user_authentication` ' +
        'with `acr_values` (RFC 9470). `WWW-Authenticate` carries the challenge (RFC 6750 / RFC 9449).',
      type: ErrorResponse,
    }),
    ApiForbiddenResponse({
      description:
        `The token lacks scope \`${scope}\`, or its authorization details (RFC 9396) do not ` +
        'cover the request (`insufficient_authorization_details`)',
      type: ErrorResponse,
    }),
    ApiBadRequestResponse({ description: 'Malformed request', type: ErrorResponse }),
    ApiTooManyRequestsResponse({ description: 'Rate limit exceeded' }),
  );
}
