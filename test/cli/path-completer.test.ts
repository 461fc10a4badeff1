/** The Tab completion of paths (cli/path-completer.ts), over a temp folder of files and folders. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { completePath, expandHome } from '../../cli/path-completer.js';

let root = '';

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'aes-complete-'));
  await mkdir(path.join(root, 'wsdl', 'imports'), { recursive: true });
  await mkdir(path.join(root, 'work'));
  await writeFile(path.join(root, 'wsdl', 'source.wsdl'), '');
  await writeFile(path.join(root, 'wsdl', 'source.xsd'), '');
  await writeFile(path.join(root, 'wsdl', 'target.wsdl'), '');
  await writeFile(path.join(root, 'wsdl', '.hidden'), '');
  await symlink(path.join(root, 'wsdl', 'imports'), path.join(root, 'wsdl', 'linked'));
});

after(() => rm(root, { recursive: true, force: true }));

test('a relative path completes from cwd; folders end with /', async () => {
  assert.deepEqual(await completePath('w', { cwd: root }), [['work/', 'wsdl/'], 'w']);
  assert.deepEqual(await completePath('ws', { cwd: root }), [['wsdl/'], 'ws']);
  assert.deepEqual(await completePath('wsdl/s', { cwd: root }), [
    ['source.wsdl', 'source.xsd'],
    's',
  ]);
  assert.deepEqual(await completePath('./wsdl/t', { cwd: root }), [['target.wsdl'], 't']);
});

test('an empty segment lists the folder, dot files only when asked for', async () => {
  assert.deepEqual(await completePath('wsdl/', { cwd: root }), [
    ['imports/', 'linked/', 'source.wsdl', 'source.xsd', 'target.wsdl'],
    '',
  ]);
  assert.deepEqual(await completePath('wsdl/.h', { cwd: root }), [['.hidden'], '.h']);
  assert.deepEqual(await completePath('', { cwd: root }), [['work/', 'wsdl/'], '']);
});

test('an absolute path completes whatever cwd is, leading blanks ignored', async () => {
  assert.deepEqual(await completePath(`  ${root}/wsdl/im`, { cwd: '/' }), [['imports/'], 'im']);
  assert.deepEqual(await completePath(`${root}/wsdl/linked`, { cwd: '/' }), [
    ['linked/'],
    'linked',
  ]);
});

test('~ is the home folder', async () => {
  assert.deepEqual(await completePath('~', { home: root }), [['~/'], '~']);
  assert.deepEqual(await completePath('~/ws', { home: root, cwd: '/' }), [['wsdl/'], 'ws']);
  assert.deepEqual(await completePath('~/wsdl/ta', { home: root }), [['target.wsdl'], 'ta']);
  assert.equal(expandHome('~/wsdl/a.wsdl', root), `${root}/wsdl/a.wsdl`);
  assert.equal(expandHome('~other/a.wsdl', root), '~other/a.wsdl');
  assert.equal(expandHome('wsdl/~', root), 'wsdl/~');
});

test('no match, a missing folder or a file taken as a folder offer nothing', async () => {
  assert.deepEqual(await completePath('nothing', { cwd: root }), [[], 'nothing']);
  assert.deepEqual(await completePath('missing/x', { cwd: root }), [[], 'x']);
  assert.deepEqual(await completePath('wsdl/source.wsdl/', { cwd: root }), [[], '']);
});
