/**
 * Issue 21: the package as npm would publish it. `npm pack` (its `prepare` script builds dist/),
 * `aes create` a project that depends on the tarball, `npm install` it, and use the `aes` that
 * install put in the project: its version, `aes endpoint create` over the examples inside the
 * package, `aes config check`, the project's strict type-check of everything that imports the
 * package by name, and its tests (an endpoint against `aes mock` and the embedded broker).
 *
 * The pack runs in a copy of the checkout, so that its build does not delete and rewrite the
 * dist/ that other tests (project.test.ts) use while it runs; the copy has what `files` ships
 * and what the build reads, nothing else. It takes about a minute: ~25 s for the build, ~20 s
 * for the install from npm's cache, the rest for the project's commands.
 */
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, realpath, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { STANDARD_SCHEMAS } from '../../wsdl/index.js';
import { aesOk, NPM, REPO_ROOT, runOk, tempDir } from './support.js';

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly bin: Readonly<Record<string, string>>;
  readonly files: readonly string[];
  readonly exports: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
}

/** One entry of `npm pack --json`. */
interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** Copies what `npm pack` reads (shipped files, build inputs) into `stage`, node_modules linked. */
async function stageCheckout(pkg: PackageJson, stage: string): Promise<void> {
  const build = await readJson<{ include: string[] }>(path.join(REPO_ROOT, 'tsconfig.build.json'));
  const entries = new Set([
    ...pkg.files.map((f) => f.replace(/\/.*$/, '')).filter((f) => f !== 'dist'),
    ...build.include,
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    'README.md',
    'LICENSE',
    // npm reads it when there is no .npmignore: dist/ is listed there and must ship anyway.
    '.gitignore',
  ]);
  for (const entry of entries) {
    await cp(path.join(REPO_ROOT, entry), path.join(stage, entry), { recursive: true });
  }
  await symlink(
    await realpath(path.join(REPO_ROOT, 'node_modules')),
    path.join(stage, 'node_modules'),
  );
}

test('the packed tarball installs into a scaffolded project, and its aes command works there', async () => {
  const pkg = await readJson<PackageJson>(path.join(REPO_ROOT, 'package.json'));
  assert.equal(pkg.name, 'aes-endpoint-server');
  assert.equal(pkg.bin.aes, 'bin/aes.js');
  await using tmp = await tempDir('aes-packed-');
  const stage = path.join(tmp.path, 'stage');
  await stageCheckout(pkg, stage);

  const packed = JSON.parse(
    runOk(NPM, ['pack', '--json', '--pack-destination', tmp.path], stage, 300_000),
  ) as PackResult[];
  const [result] = packed;
  assert.ok(result !== undefined, 'npm pack reported no tarball');
  const shipped = new Set(result.files.map((f) => f.path));
  const targets = Object.values(pkg.exports).flatMap((t) =>
    typeof t === 'string' ? [t] : Object.values(t),
  );
  const wanted = [
    ...targets,
    pkg.bin.aes,
    'dist/cli/main.js',
    'schema/aes.config.schema.json',
    // The built-in catalog of standard schemas (issue 20), with its origins and licences.
    'standard-schemas/README.md',
    ...STANDARD_SCHEMAS.map((s) => `standard-schemas/${s.file}`),
  ];
  const missing = wanted.map((t) => t.replace(/^\.\//, '')).filter((t) => !shipped.has(t));
  assert.deepEqual(missing, [], 'package.json names files the tarball lacks');
  assert.ok(
    [...shipped].every((f) => !f.startsWith('test/') && !f.startsWith('dist/test/')),
    'tests are not shipped',
  );
  assert.ok(shipped.has('LICENSE'), 'the licence package.json names ships with it');
  // Source maps carry their TypeScript (the .ts files do not ship): stack traces and debuggers
  // of users with --enable-source-maps show the real source.
  const map = await readJson<{ sourcesContent?: unknown[] }>(
    path.join(stage, 'dist/cli/main.js.map'),
  );
  assert.ok((map.sourcesContent?.length ?? 0) > 0, 'dist/cli/main.js.map has its sources inline');

  // As docs/getting-started.md has it: `aes create` (here the checkout's), then `npm install`.
  const project = path.join(tmp.path, 'shop');
  const tarball = path.join(tmp.path, result.filename);
  aesOk(['create', project, '--aes', `file:${tarball}`]);
  runOk(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline'], project, 300_000);
  const installed = await readJson<PackageJson>(
    path.join(project, 'node_modules', pkg.name, 'package.json'),
  );
  assert.equal(installed.version, pkg.version);

  // `--no`: a missing bin fails here rather than fetching the registry's unrelated `aes`.
  const aes = (...args: string[]): string =>
    runOk(NPX, ['--no', '--', 'aes', ...args], project, 120_000);
  assert.equal(aes('--version').trim(), pkg.version);
  const examples = `node_modules/${pkg.name}/templates/examples`;
  aes(
    ...['endpoint', 'create', '--kind', 'outbound', '--phase', 'single', '--name', 'orders-out'],
    ...['--wsdl', `${examples}/source.wsdl`, '--pop', 'Pop', '--popped', 'Popped'],
    ...['--destination', '/queue/orders'],
  );
  assert.match(aes('config', 'check'), /^ {4}orders-out {2}orders-out\/index\.ts$/m);
  // The installed package reads standard schemas from its own catalog, offline (issue 20).
  await writeFile(
    path.join(project, 'uses-standards.xsd'),
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:u">
  <xs:import namespace="http://docs.oasis-open.org/wsn/b-2" schemaLocation="http://docs.oasis-open.org/wsn/b-2.xsd"/>
</xs:schema>
`,
  );
  const standards = JSON.parse(
    aes('gen', '--wsdl', 'uses-standards.xsd', '--out', 'generated-standards', '--json'),
  ) as { wsdls: { types: number }[] };
  assert.ok((standards.wsdls[0]?.types ?? 0) > 50, JSON.stringify(standards));
  // The endpoint, its generated client and the tests import the package and its subpaths by name.
  runOk(NPM, ['run', 'build'], project, 120_000);
  const out = runOk(NPM, ['test'], project, 180_000);
  assert.match(out, /^# pass 2$/m, out);
  assert.match(out, /^# fail 0$/m, out);

  // As the README's quick start has it for a newcomer: the package into an empty folder, then
  // `aes demo` (its main job on the embedded default) from what was installed.
  const empty = path.join(tmp.path, 'empty');
  await mkdir(empty);
  runOk(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], empty, 300_000);
  const demo = JSON.parse(
    runOk(NPX, ['--no', '--', 'aes', 'demo', '--records', '50', '--json'], empty, 180_000),
  ) as { outcome: string; exitCode: number; tally: { lost: number; duplicates: number } };
  assert.equal(demo.exitCode, 0, JSON.stringify(demo));
  assert.deepEqual([demo.tally.lost, demo.tally.duplicates], [0, 0], JSON.stringify(demo));
});
