import type { Config } from 'jest';

/** Workspaces whose `src/` the tests import directly (no build needed before `npm test`). */
const WORKSPACES = [
  'core',
  'testing',
  'express',
  'koa',
  'nestjs',
  'fastify',
  'fetch',
  'hono',
  'redis',
  'http-signatures',
];

function project(displayName: string, roots: string[]): Config {
  return {
    displayName,
    roots,
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    testMatch: ['**/*.test.ts', '**/*.e2e.ts'],
    moduleNameMapper: {
      '^(\\.{1,2}/.*)\\.js$': '$1',
      ...Object.fromEntries(
        WORKSPACES.map((name) => [
          `^@fapi-guard/${name}$`,
          `<rootDir>/packages/${name}/src/index.ts`,
        ]),
      ),
    },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.test.json' }],
    },
  };
}

const config: Config = {
  rootDir: '.',
  projects: [
    ...WORKSPACES.map((name) => project(name, [`<rootDir>/packages/${name}`])),
    project('accounts-api', ['<rootDir>/apps/accounts-api']),
    project('auth-server', ['<rootDir>/apps/auth-server']),
  ],
  testTimeout: 20_000,
};

export default config;
