/**
 * CLI: runs the walkthrough against running servers.
 *
 *   AS_ISSUER   default https://127.0.0.1:4000
 *   API_URL     default https://127.0.0.1:3000
 *
 * Exit code 0 when every expectation held, 1 otherwise.
 */
import { runWalkthrough } from './walkthrough.js';

const result = await runWalkthrough({
  issuer: process.env.AS_ISSUER || 'https://127.0.0.1:4000',
  apiUrl: process.env.API_URL || 'https://127.0.0.1:3000',
  color: process.stdout.isTTY === true && !process.env.NO_COLOR,
});
process.exitCode = result.ok ? 0 : 1;
