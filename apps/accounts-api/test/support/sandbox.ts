/**
 * What the sandbox tests share: the processes ({@link demoBank}), a directory for the token
 * helper's state files, and an undici agent trusting the dev CA; made before the file's tests,
 * closed and removed after them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { demoBank, type DemoBank } from './demo-bank.js';
import { CA } from './sessions.js';

export interface Sandbox<Other extends string> {
  bank: DemoBank<Other>;
  /** Trusts the dev CA; presents no client certificate. */
  agent: Agent;
  /** A path in this file's state directory (removed after its tests). */
  stateFile(name: string): string;
}

/** Registers the file's set-up and clean-up; `others` as for {@link demoBank}. */
export function sandbox<Other extends string = never>(
  others?: Record<Other, Record<string, string>>,
): Sandbox<Other> {
  const bank = demoBank(others);
  const agent = new Agent({ connect: { ca: CA } });
  let stateDir: string | undefined;
  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'token-helper-'));
  });
  afterAll(async () => {
    await agent.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });
  return {
    bank,
    agent,
    stateFile(name) {
      if (!stateDir) throw new Error('the state directory is made in beforeAll');
      return join(stateDir, name);
    },
  };
}
