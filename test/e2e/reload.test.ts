/**
 * SIGHUP re-reads the config of a running `aes run`: an endpoint folder added starts, one removed
 * drains and stops, an endpoint whose settings changed restarts — and only it, the others keep
 * their processes; an invalid config (a schema error, a bad endpoint folder) is logged with its
 * errors and changes nothing; node settings that need a restart are named, not applied. The
 * node lives through every SIGHUP. An endpoint stopped by hand stays stopped when its config
 * changes, also while it is still draining.
 */
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterStatus } from '../../runtime/node/index.js';
import { AES_CLI, makeProject, RunningNode, TSX, type LogLine } from './support/project.js';
import { isAlive as alive } from '../../util/index.js';

/** Each endpoint's current pid, from its last `starting -> running` line. */
function pids(node: RunningNode): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of node.lines) {
    if (l.msg === 'starting -> running' && l.endpoint !== undefined) {
      out[l.endpoint] = Number(String(l.reason).replace('pid ', ''));
    }
  }
  return out;
}

/** SIGHUP, then the line that ends that reload (the n-th of its kind). */
async function hangup(node: RunningNode, n: number, ending: RegExp): Promise<LogLine> {
  const before = node.lines.length;
  node.child.kill('SIGHUP');
  const until = Date.now() + 90_000;
  for (;;) {
    const seen = node.lines.filter((l) => ending.test(l.msg));
    const found = seen[n - 1];
    if (found !== undefined) return found;
    if (node.child.exitCode !== null || node.child.signalCode !== null) {
      throw new Error(`the node exited after SIGHUP:\n${node.raw.slice(before).join('\n')}`);
    }
    if (Date.now() > until) throw new Error(`no reload #${n} line:\n${node.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Until every endpoint in `names` runs with a pid (its process was started). */
async function waitRunning(node: RunningNode, names: readonly string[]): Promise<void> {
  const until = Date.now() + 90_000;
  while (!names.every((n) => pids(node)[n] !== undefined)) {
    if (Date.now() > until) throw new Error(`not all of ${names.join(', ')} ran:\n${node.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('SIGHUP: endpoints added, removed and changed are started, stopped and restarted', async () => {
  await using project = await makeProject({
    node: 'hup',
    endpoints: { a: 'sink.ts', b: 'sink.ts', c: 'sink.ts' },
  });
  const configFile = project.configFile;
  const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown> & {
    endpoints: Record<string, unknown>;
  };
  const writeConfig = (value: unknown) => writeFile(configFile, JSON.stringify(value, null, 2));
  const entryOf = join(project.dir, 'endpoints', 'a', 'index.ts');

  await using node = await RunningNode.start('hup', project);
  await waitRunning(node, ['a', 'b', 'c']);
  const first = pids(node);

  // A new endpoint folder: it starts, the others keep their processes.
  await mkdir(join(project.dir, 'endpoints', 'd'));
  await writeFile(join(project.dir, 'endpoints', 'd', 'index.ts'), await readFile(entryOf));
  const added = await hangup(node, 1, /^config reloaded/);
  assert.equal(added.msg, 'config reloaded: started d; 3 unchanged');
  await waitRunning(node, ['d']);
  const second = pids(node);
  for (const name of ['a', 'b', 'c']) assert.equal(second[name], first[name], name);

  // A folder removed: that endpoint drains and stops, and is gone from the status.
  await rm(join(project.dir, 'endpoints', 'c'), { recursive: true });
  const removed = await hangup(node, 2, /^config reloaded/);
  assert.equal(removed.msg, 'config reloaded: stopped c; 3 unchanged');
  assert.ok(
    node.lines.some((l) => l.endpoint === 'c' && l.msg === 'stopping -> stopped'),
    'c was drained and stopped',
  );
  assert.equal(alive(second.c ?? 0), false, "c's process is gone");

  // One endpoint's settings changed: only it restarts.
  await writeConfig({
    ...config,
    endpoints: { ...config.endpoints, overrides: { b: { hangLimitMs: 45_000 } } },
  });
  const changed = await hangup(node, 3, /^config reloaded/);
  assert.equal(changed.msg, 'config reloaded: restarted b; 2 unchanged');
  const until = Date.now() + 90_000;
  while (pids(node).b === second.b && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const third = pids(node);
  assert.notEqual(third.b, second.b, 'b runs in a new process');
  assert.equal(third.a, second.a, 'a untouched');
  assert.equal(third.d, second.d, 'd untouched');

  // An invalid config: logged with its errors, nothing changes, the node runs on.
  await writeConfig({ ...config, http: { port: 'x' } });
  const schema = await hangup(node, 1, /^config reload refused/);
  assert.equal(schema.level, 'error');
  assert.match(schema.msg, /\/http\/port: must be integer/);
  assert.deepEqual(schema.issues, [{ pointer: '/http/port', message: 'must be integer' }]);
  await writeConfig({
    ...config,
    endpoints: { ...config.endpoints, overrides: { b: { hangLimitMs: 45_000 } } },
  });
  await mkdir(join(project.dir, 'endpoints', 'Bad Name'));
  await writeFile(join(project.dir, 'endpoints', 'Bad Name', 'index.ts'), await readFile(entryOf));
  const folder = await hangup(node, 2, /^config reload refused/);
  assert.match(folder.msg, /'Bad Name' is not an endpoint name/);
  await rm(join(project.dir, 'endpoints', 'Bad Name'), { recursive: true });

  // Node settings are named as needing a restart, not applied; endpoints are still reloaded.
  await writeConfig({
    ...config,
    http: { port: 1 },
    endpoints: { ...config.endpoints, overrides: { b: { hangLimitMs: 45_000 } } },
  });
  const unchanged = await hangup(node, 4, /^config reloaded/);
  assert.equal(unchanged.msg, 'config reloaded: no endpoint changed; 3 unchanged');
  const warned = node.lines.find((l) => l.msg.startsWith('config reload: http.port changed'));
  assert.equal(warned?.level, 'warn');
  assert.deepEqual(pids(node), third, 'no endpoint was touched by any of it');

  const status = node.cli(['status', '--json']);
  assert.equal(status.status, 0, status.stderr);
  const [hup] = (JSON.parse(status.stdout) as ClusterStatus).nodes;
  assert.ok(hup !== undefined && hup.error === undefined, status.stdout);
  assert.deepEqual(
    hup.endpoints.map((e) => [e.name, e.state, e.pid]),
    [
      ['a', 'running', third.a],
      ['b', 'running', third.b],
      ['d', 'running', third.d],
    ],
  );
  assert.equal(await node.stop(), 0);
});

/** Until a line of `node` from endpoint `name` says `msg`. */
async function waitLine(node: RunningNode, name: string, msg: string): Promise<void> {
  const until = Date.now() + 90_000;
  while (!node.lines.some((l) => l.endpoint === name && l.msg === msg)) {
    if (Date.now() > until) throw new Error(`no '${msg}' of ${name}:\n${node.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('an endpoint stopped by hand stays stopped when its config changes while it drains', async () => {
  await using project = await makeProject({
    node: 'hup2',
    endpoints: { slow: 'slow-stop.ts', a: 'sink.ts' },
  });
  const config = JSON.parse(await readFile(project.configFile, 'utf8')) as Record<
    string,
    unknown
  > & { endpoints: Record<string, unknown> };
  await using node = await RunningNode.start('hup2', project, { E2E_STOP_DELAY_MS: '4000' });
  await waitRunning(node, ['slow', 'a']);
  const before = pids(node);

  // `aes endpoint stop` waits for the drain: run it beside the test.
  const stopping = spawn(
    process.execPath,
    ['--import', TSX, AES_CLI, 'endpoint', 'stop', 'slow', '-c', project.configFile],
    { cwd: project.dir, stdio: 'ignore' },
  );
  const stopExited = new Promise<number | null>((resolve) => stopping.once('exit', resolve));
  try {
    await waitLine(node, 'slow', 'running -> stopping');
    await writeFile(
      project.configFile,
      JSON.stringify(
        {
          ...config,
          endpoints: { ...config.endpoints, overrides: { slow: { hangLimitMs: 45_000 } } },
        },
        null,
        2,
      ),
    );
    const changed = await hangup(node, 1, /^config reloaded/);
    assert.equal(changed.msg, 'config reloaded: restarted slow; 1 unchanged');
    assert.ok(
      node.lines.some(
        (l) =>
          l.endpoint === 'slow' && l.msg === 'its config changed: new settings for its next start',
      ),
      node.tail(),
    );
    assert.equal(await stopExited, 0);
    // Given time to start again, it does not.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.equal(
      node.lines.filter((l) => l.endpoint === 'slow' && l.msg === 'starting -> running').length,
      1,
      'slow was started again',
    );
    assert.equal(alive(before.slow ?? 0), false, "slow's process is gone");
    const status = node.cli(['status', '--json']);
    const [hup] = (JSON.parse(status.stdout) as ClusterStatus).nodes;
    assert.ok(hup !== undefined && hup.error === undefined, status.stdout);
    assert.deepEqual(
      hup.endpoints.map((e) => [e.name, e.state]),
      [
        ['a', 'running'],
        ['slow', 'stopped'],
      ],
    );
    assert.equal(pids(node).a, before.a, 'a untouched');
  } finally {
    stopping.kill();
  }
  assert.equal(await node.stop(), 0);
});
