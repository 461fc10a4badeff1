/**
 * makeDir / makeDirSync: `mkdir -p` that ends with the folder or with an error naming the folder
 * that could not be made, where Node's recursive mkdir spins forever (a path under /proc).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDir, makeDirSync } from '../../util/make-dir.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { within } from '../support/wait.js';

const MODULE = fileURLToPath(new URL('../../util/make-dir.ts', import.meta.url));

async function inTemp(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'aes-make-dir-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs both forms on `target`; returns their errors' codes and messages. */
async function bothFail(target: string): Promise<string[]> {
  const asyncError = await within(`makeDir ${target}`, makeDir(target), 5_000).then(
    () => assert.fail(`makeDir ${target} succeeded`),
    (err: unknown) => err as NodeJS.ErrnoException,
  );
  // In a child process with a deadline: a synchronous spin would freeze this one.
  const script = `import(${JSON.stringify(MODULE)}).then((m) => {
    try { m.makeDirSync(${JSON.stringify(target)}); console.log('made'); }
    catch (e) { console.log(e.code + ' ' + e.message); }
  });`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  assert.equal(child.signal, null, `makeDirSync ${target} did not end: ${child.stderr}`);
  return [`${asyncError.code ?? '?'} ${asyncError.message}`, child.stdout.trim()];
}

test('makes a folder and its missing parents; an existing folder is fine', async () => {
  await inTemp(async (dir) => {
    const deep = join(dir, 'a', 'b', 'c');
    await makeDir(deep);
    assert.ok(statSync(deep).isDirectory());
    await makeDir(deep);
    makeDirSync(join(deep, 'd', 'e'));
    makeDirSync(join(deep, 'd', 'e'));
    assert.ok(statSync(join(deep, 'd', 'e')).isDirectory());
  });
});

test('several makers of one path at once all succeed', async () => {
  await inTemp(async (dir) => {
    const target = join(dir, 'x', 'y', 'z');
    await Promise.all(Array.from({ length: 8 }, () => makeDir(target)));
    assert.ok(statSync(target).isDirectory());
  });
});

test('a path under /proc fails at once, naming the folder (Node’s recursive mkdir spins)', async (t) => {
  if (!existsSync('/proc/self')) return t.skip('no procfs on this machine');
  for (const message of await bothFail('/proc/aes-no-such/dir')) {
    assert.equal(message, "ENOENT ENOENT: no such file or directory, mkdir '/proc/aes-no-such'");
  }
});

test('a file in the way, or a link to nowhere, fails naming it', async () => {
  await inTemp(async (dir) => {
    const file = join(dir, 'file');
    writeFileSync(file, 'x');
    for (const message of await bothFail(file)) {
      assert.equal(message, `EEXIST EEXIST: file already exists, mkdir '${file}'`);
    }
    for (const message of await bothFail(join(file, 'sub'))) {
      assert.equal(message, `ENOTDIR ENOTDIR: not a directory, mkdir '${join(file, 'sub')}'`);
    }
    const dangling = join(dir, 'dangling');
    symlinkSync(join(dir, 'gone'), dangling);
    for (const message of await bothFail(join(dangling, 'sub'))) {
      assert.equal(message, `EEXIST EEXIST: file already exists, mkdir '${dangling}'`);
    }
  });
});
