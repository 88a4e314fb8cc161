// Shared set-up of the benchmark servers: each runs in its own process, listens on PORT and
// prints "ready" when it accepts requests. The fapi-guard servers use the same options.
export const PORT = Number(process.env.PORT);
export const ISSUER = process.env.ISSUER;
export const AUDIENCE = process.env.AUDIENCE;
export const JWKS_URI = process.env.JWKS_URI;

export const fapiOptions = {
  issuer: ISSUER,
  audience: AUDIENCE,
  jwksUri: JWKS_URI,
};

export function ready(server) {
  server.on?.('error', (error) => {
    console.error(error);
    process.exit(1);
  });
  process.stdout.write('ready\n');
}

// Exit through process.exit so profilers (--cpu-prof) write their output.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
