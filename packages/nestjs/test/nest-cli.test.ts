/**
 * The repository's nest-cli.json describes the Nest monorepo (the sample application and this
 * library) with paths that exist, so `nest build accounts-api` and `nest start` find them.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface NestProject {
  type: 'application' | 'library';
  root: string;
  sourceRoot: string;
  entryFile: string;
  compilerOptions: { tsConfigPath: string };
}

interface NestCliConfig {
  monorepo: boolean;
  root: string;
  sourceRoot: string;
  compilerOptions: { tsConfigPath: string };
  projects: Record<string, NestProject>;
}

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const config = JSON.parse(readFileSync(join(REPO, 'nest-cli.json'), 'utf8')) as NestCliConfig;

function isDirectory(path: string): boolean {
  return existsSync(join(REPO, path)) && statSync(join(REPO, path)).isDirectory();
}

/** `compilerOptions.rootDir` of a tsconfig, relative to the repository. */
function rootDirOf(tsConfigPath: string): string {
  const tsconfig = JSON.parse(readFileSync(join(REPO, tsConfigPath), 'utf8')) as {
    compilerOptions?: { rootDir?: string };
  };
  const rootDir = tsconfig.compilerOptions?.rootDir ?? '.';
  return join(tsConfigPath, '..', rootDir);
}

it('is a Nest monorepo whose projects are the sample application and this library', () => {
  expect(config.monorepo).toBe(true);
  expect(
    Object.fromEntries(Object.entries(config.projects).map(([name, p]) => [name, p.type])),
  ).toEqual({ 'accounts-api': 'application', nestjs: 'library' });
});

it('defaults to the application project', () => {
  const app = config.projects['accounts-api'];
  expect(config.root).toBe(app?.root);
  expect(config.sourceRoot).toBe(app?.sourceRoot);
  expect(config.compilerOptions.tsConfigPath).toBe(app?.compilerOptions.tsConfigPath);
});

describe.each(Object.entries(config.projects))('project %s', (_, project) => {
  it('has a root and a sourceRoot that exist, the source inside the root', () => {
    expect(isDirectory(project.root)).toBe(true);
    expect(isDirectory(project.sourceRoot)).toBe(true);
    expect(project.sourceRoot.startsWith(`${project.root}/`)).toBe(true);
  });

  it('has a tsConfigPath that exists and compiles exactly its sourceRoot', () => {
    const { tsConfigPath } = project.compilerOptions;
    expect(existsSync(join(REPO, tsConfigPath))).toBe(true);
    expect(rootDirOf(tsConfigPath)).toBe(project.sourceRoot);
  });

  it('has an entryFile in its sourceRoot', () => {
    expect(existsSync(join(REPO, project.sourceRoot, `${project.entryFile}.ts`))).toBe(true);
  });
});
