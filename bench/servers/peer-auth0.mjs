// The peer baseline: express-oauth2-jwt-bearer with DPoP required. It verifies the access token
// and the proof signatures on every request and keeps no replay cache.
import express from 'express';
import { auth, requiredScopes } from 'express-oauth2-jwt-bearer';
import { AUDIENCE, ISSUER, JWKS_URI, PORT, ready } from './common.mjs';

const app = express();
app.use(
  auth({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwksUri: JWKS_URI,
    tokenSigningAlg: 'ES256',
    dpop: { enabled: true, required: true },
  }),
);
app.get('/accounts', requiredScopes('accounts'), (req, res) =>
  res.json({ subject: req.auth.payload.sub }),
);
const server = app.listen(PORT, '127.0.0.1', () => ready(server));
