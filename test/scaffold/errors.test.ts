/**
 * Bad input to `aes create` and `aes endpoint create`: a clear error naming what and where, a
 * non-zero exit, and nothing written. Running either again never duplicates anything.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createProject, ScaffoldError, wsdlOperations } from '../../scaffold/index.js';
import { operationNames } from '../../scaffold/internal.js';
import { loadScript } from '../../mock/script.js';
import {
  aesOk,
  ENDPOINT_FLAGS,
  failsCleanly,
  newProject,
  REPO_ROOT,
  runCli,
  snapshot,
  SOURCE_WSDL,
  TARGET_WSDL,
  tempDir,
} from './support.js';

const OUT_FLAGS = ENDPOINT_FLAGS['orders-out'] ?? [];

/** `flags` with the value after `flag` replaced. */
function withFlag(flags: readonly string[], flag: string, value: string): string[] {
  const out = [...flags];
  out[out.indexOf(flag) + 1] = value;
  return out;
}

describe('aes create', () => {
  it('refuses a folder that is not empty unless --force', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    await writeFile(path.join(tmp.path, 'notes.txt'), 'mine');
    const r = runCli(['create', tmp.path]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\[SCAFFOLD_NOT_EMPTY\].*is not empty \(notes\.txt\); --force/);
    assert.equal(existsSync(path.join(tmp.path, 'aes.config.json')), false);
    aesOk(['create', tmp.path, '--force', '--name', 'mine']);
    assert.equal(await readFile(path.join(tmp.path, 'notes.txt'), 'utf8'), 'mine');
    assert.match(await readFile(path.join(tmp.path, 'aes.config.json'), 'utf8'), /"node": "mine"/);
  });

  it('refuses a bad name', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const r = runCli(['create', path.join(tmp.path, 'x'), '--name', 'Bad Name']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /\[SCAFFOLD_USAGE\]: --name 'Bad Name' is not a project name/);
    assert.equal(existsSync(path.join(tmp.path, 'x')), false);
  });

  it('writes nothing when one file cannot be written', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    await writeFile(path.join(tmp.path, 'test'), 'a file where the test folder goes');
    await assert.rejects(
      createProject({ dir: tmp.path, force: true }),
      (err: unknown) => err instanceof ScaffoldError && err.code === 'SCAFFOLD_WRITE',
    );
    assert.deepEqual([...(await snapshot(tmp.path)).keys()], ['test']);
  });

  it('run again, rewrites its files whole and keeps the endpoint entries', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    aesOk(['endpoint', 'create', '--project', dir, ...OUT_FLAGS]);
    const once = await snapshot(dir);
    aesOk(['create', dir, '--force', '--aes', `file:${REPO_ROOT}`]);
    aesOk(['endpoint', 'create', '--project', dir, '--force', ...OUT_FLAGS]);
    const twice = await snapshot(dir);
    assert.deepEqual([...twice.keys()], [...once.keys()]);
    for (const [file, text] of once) assert.equal(twice.get(file), text, `${file} changed`);
    const config = twice.get('aes.config.json') ?? '';
    assert.equal(config.match(/"orders-out"/g)?.length, 1, 'one entry for the endpoint');
    assert.equal(config.match(/"\$schema"/g)?.length, 1);
  });
});

describe('aes endpoint create', () => {
  it('refuses an existing endpoint unless --force', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    aesOk(['endpoint', 'create', '--project', dir, ...OUT_FLAGS]);
    const { stderr } = await failsCleanly(dir, OUT_FLAGS);
    assert.match(stderr, /\[SCAFFOLD_EXISTS\]: endpoint 'orders-out' exists already .*--force/);
  });

  it('refuses a different WSDL of the same file name unless --force', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    aesOk(['endpoint', 'create', '--project', dir, ...OUT_FLAGS]);
    const other = path.join(tmp.path, 'other', 'source.wsdl');
    await mkdir(path.dirname(other));
    await copyFile(
      path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'flat-source.wsdl'),
      other,
    );
    const flags = withFlag(withFlag(OUT_FLAGS, '--wsdl', other), '--name', 'other-out');
    const { stderr } = await failsCleanly(dir, flags);
    assert.match(
      stderr,
      /\[SCAFFOLD_EXISTS\]: wsdl\/source\.wsdl exists with other content; --force replaces it/,
    );
  });

  it('names a WSDL file that does not exist', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    const missing = path.join(tmp.path, 'nowhere', 'fifo.wsdl');
    const { stderr } = await failsCleanly(dir, withFlag(OUT_FLAGS, '--wsdl', missing));
    assert.match(
      stderr,
      new RegExp(`no such file '${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}'`),
    );
  });

  it('names a file that is not a WSDL', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    const bad = path.join(tmp.path, 'broken.wsdl');
    await writeFile(bad, '<definitions><oops></definitions>');
    const { stderr } = await failsCleanly(dir, withFlag(OUT_FLAGS, '--wsdl', bad));
    assert.match(stderr, /\[WSDL_XML\].*broken\.wsdl/);
  });

  it('lists the available operations for an unknown one', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    const { stderr } = await failsCleanly(dir, withFlag(OUT_FLAGS, '--popped', 'Poped'));
    assert.match(
      stderr,
      /\[SCAFFOLD_OPERATION\]: .*source\.wsdl: there is no operation 'Poped' \(available: Build, Pop, Popped\)/,
    );
  });

  it('refuses a bad name and a bad destination', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    assert.match(
      (await failsCleanly(dir, withFlag(OUT_FLAGS, '--name', '-orders'))).stderr,
      /\[SCAFFOLD_USAGE\]: --name '-orders' is not an endpoint name/,
    );
    assert.match(
      (await failsCleanly(dir, withFlag(OUT_FLAGS, '--destination', 'orders'))).stderr,
      /\[SCAFFOLD_USAGE\]: --destination 'orders' is not a destination/,
    );
    assert.match(
      (await failsCleanly(dir, [...OUT_FLAGS, '--put', 'Pop'])).stderr,
      /--put do not apply to a single phase outbound endpoint/,
    );
  });

  it('without a terminal, names every missing flag', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    const dir = await newProject(tmp.path);
    const { stderr } = await failsCleanly(dir, ['--kind', 'outbound', '--wsdl', SOURCE_WSDL]);
    assert.match(
      stderr,
      /not a terminal, so nothing can be asked: give --phase, --name, --pop, --popped, --destination/,
    );
  });

  it('refuses a folder that is not a project', async () => {
    await using tmp = await tempDir('aes-scaffold-err-');
    await mkdir(path.join(tmp.path, 'empty'));
    const r = runCli([
      'endpoint',
      'create',
      '--project',
      path.join(tmp.path, 'empty'),
      ...OUT_FLAGS,
    ]);
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /\[SCAFFOLD_PROJECT\].*aes\.config\.json: not an aes project.*aes create/,
    );
    assert.deepEqual([...(await snapshot(path.join(tmp.path, 'empty'))).keys()], []);
  });
});

describe('the shipped examples', () => {
  it('mock scripts of docs/getting-started.md are valid for the example WSDLs', async () => {
    for (const [wsdl, script] of [
      [SOURCE_WSDL, 'source-script.json'],
      [TARGET_WSDL, 'target-script.json'],
    ] as const) {
      const ops = operationNames(await wsdlOperations(wsdl));
      await loadScript(path.join(path.dirname(wsdl), script), ops);
    }
  });
});
