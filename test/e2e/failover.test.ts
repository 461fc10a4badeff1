/**
 * Placement by lease (issue 16) with real parts: two `aes run` nodes, each its own project with
 * the same endpoint folder, sharing a private etcd or the machine's PostgreSQL (a namespace of
 * the test's own). Exactly one runs the endpoint, the other stands by: warm (its process loaded,
 * waiting for the lease), or — PostgreSQL's second case, `warmStandby: false` — without one. A
 * graceful stop of the owner hands it over at once; kill -9 of the owner's node moves it within
 * leaseMs + 2 s (to the warm standby's own process); with etcd killed the owner stops its
 * endpoint before leaseMs passes, says why, and it runs again once etcd is back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { isAlive } from '../../util/index.js';
import {
  privateEtcdSkipReason,
  startPrivateEtcd,
  type PrivateEtcd,
} from '../support/private-etcd.js';
import { serviceSkipReason } from '../support/services.js';
import { runCli } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { ownStatus } from './support/node-status.js';
import {
  makeProject,
  runningLine,
  RunningNode,
  type LogLine,
  type Project,
} from './support/project.js';

const LEASE_MS = 3_000;
const ENDPOINT = 'orders';
const POSTGRES = process.env.AES_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The first line from index `from` on that matches, with when this test saw it. */
async function waitFrom(
  node: RunningNode,
  from: number,
  what: string,
  match: (l: LogLine) => boolean,
  timeoutMs = 60_000,
): Promise<{ line: LogLine; at: number }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const line = node.lines.slice(from).find(match);
    if (line !== undefined) return { line, at: Date.now() };
    if (Date.now() > until) throw new Error(`${node.name}: no ${what}:\n${node.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const acquired = (l: LogLine) => l.endpoint === ENDPOINT && l.msg === 'lease acquired: starting';
const running = runningLine(ENDPOINT);
const stopped = (l: LogLine) => l.endpoint === ENDPOINT && l.msg === 'stopping -> stopped';

const statusOf = ownStatus;

/** The pid of `node`'s warm standby of the endpoint (other than `not`), once it shows loaded. */
async function warmPid(node: RunningNode, not?: number): Promise<number> {
  const until = Date.now() + 30_000;
  for (;;) {
    const entry = (await statusOf(node)).endpoints.find((e) => e.name === ENDPOINT);
    if (
      entry?.state === 'standby' &&
      entry.lease?.warm === true &&
      entry.pid !== null &&
      entry.pid !== not
    ) {
      return entry.pid;
    }
    if (Date.now() > until) {
      throw new Error(`${node.name}: no warm standby: ${JSON.stringify(entry)}\n${node.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function readyz(node: RunningNode): Promise<{ status: number; reasons: string[] }> {
  const res = await fetch(`${node.field('http listening', 'url')}/readyz`);
  const body = (await res.json()) as { reasons: string[] };
  return { status: res.status, reasons: body.reasons };
}

/**
 * `warm`: the default, a warm standby's process waits for the lease; otherwise
 * (`coordination.warmStandby: false`) the standby runs no process until it holds the lease.
 */
async function scenario(url: string, etcd: PrivateEtcd | undefined, warm: boolean): Promise<void> {
  const projects: Project[] = [];
  const nodes: RunningNode[] = [];
  // One cluster: fb seeds from fa, whose port stays the same across its restarts, so that a
  // command given on either node reaches the other.
  const seedPort = await freePort();
  const secret = randomBytes(16).toString('hex');
  const project = async (name: string) => {
    const cluster =
      name === 'fa'
        ? { port: seedPort, secret }
        : { port: 0, secret, seeds: [`127.0.0.1:${seedPort}`] };
    const p = await makeProject({
      node: name,
      endpoints: { [ENDPOINT]: 'sink.ts' },
      config: { cluster, coordination: { url, leaseMs: LEASE_MS, warmStandby: warm } },
    });
    projects.push(p);
    return p;
  };
  const start = async (name: string, p: Project) => {
    const node = await RunningNode.start(name, p);
    nodes.push(node);
    return node;
  };
  try {
    const [pa, pb] = [await project('fa'), await project('fb')];
    const a = await start('fa', pa);
    await waitFrom(a, 0, 'endpoint running', running);
    const b = await start('fb', pb);
    await waitFrom(b, 0, 'standing by', (l) => /^standing by: fa holds/.test(l.msg));
    assert.equal(b.lines.filter(acquired).length, 0, 'exactly one node runs it');
    const standby = await statusOf(b);
    const entry = standby.endpoints.find((e) => e.name === ENDPOINT);
    assert.equal(entry?.state, 'standby');
    assert.equal(entry.lease?.owner, 'fa');
    assert.match(entry.lease.token ?? '', /^\d+$/);
    assert.equal((await readyz(b)).status, 200, 'a standby is ready');
    if (warm) {
      // A warm standby: b's process is up and loaded, and runs nothing until b holds the lease.
      const warmB = await warmPid(b);
      assert.ok(isAlive(warmB), `b's warm standby ${warmB} runs`);
      // A restart asked through the standby: the owner's process restarts, and the standby's
      // too (it loads the code the owner now runs).
      const ownerPid = (await statusOf(a)).endpoints.find((e) => e.name === ENDPOINT)?.pid;
      const beforeRestart = a.lines.length;
      const restarted = runCli(['endpoint', 'restart', ENDPOINT, '-c', pb.configFile]);
      assert.equal(restarted.status, 0, restarted.stderr);
      assert.match(restarted.stdout, /on fa/);
      const fresh = await warmPid(b, warmB);
      assert.ok(!isAlive(warmB), `the old warm standby ${warmB} is gone (now ${fresh})`);
      const ownerNow = (await statusOf(a)).endpoints.find((e) => e.name === ENDPOINT);
      assert.equal(ownerNow?.lease?.role, 'owner');
      assert.notEqual(ownerNow.pid, ownerPid, "the owner's process restarted");
      // Consuming again (its records open) before the engine goes below: a process still
      // starting when the engine goes fails to start instead, and is not "stopped before its
      // lease expired".
      await waitFrom(a, beforeRestart, 'endpoint running again', running);
      const until = Date.now() + 30_000;
      for (;;) {
        const now = (await statusOf(a)).endpoints.find((e) => e.name === ENDPOINT);
        if (now?.pid === ownerNow.pid && now.step === 'waiting') break;
        assert.ok(
          Date.now() < until,
          `the restarted owner did not wait for messages: ${now?.step}`,
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } else {
      assert.equal(entry.pid, null, 'no process stands by');
      // Run by hand there: refused, b holds no lease for it.
      const byHand = runCli(['endpoint', 'run', ENDPOINT, '-c', pb.configFile]);
      assert.equal(byHand.status, 1, byHand.stderr);
      assert.match(byHand.stdout + byHand.stderr, /does not hold its lease/);
    }
    assert.ok(!b.lines.some(running), 'the standby does not run the endpoint');

    if (etcd !== undefined) {
      // The engine gone: the owner stops its endpoint before the lease could expire.
      const from = a.lines.length;
      const killedAt = Date.now();
      await etcd.kill();
      const why = await waitFrom(a, from, 'stop on lease', (l) =>
        /^lease (not renewed|lost).*: stopping the endpoint/.test(l.msg),
      );
      const gone = await waitFrom(a, from, 'endpoint stopped', stopped);
      assert.ok(gone.at - killedAt < LEASE_MS, `stopped ${gone.at - killedAt} ms after the kill`);
      console.log(`# engine killed: owner's endpoint stopped after ${gone.at - killedAt} ms`);
      assert.equal(why.line.level, 'warn');
      const ready = await readyz(a);
      assert.equal(ready.status, 503);
      assert.ok(
        ready.reasons.some((r) => r.includes('coordination engine')),
        ready.reasons.join('; '),
      );
      const fromA = a.lines.length;
      const fromB = b.lines.length;
      await etcd.restart();
      // One of them runs it again once the old lease expired in the engine.
      const until = Date.now() + 30_000;
      while (
        a.lines.slice(fromA).filter(running).length +
          b.lines.slice(fromB).filter(running).length ===
        0
      ) {
        if (Date.now() > until) throw new Error(`not resumed:\n${a.tail()}\n${b.tail()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
      const owners = [a, b].filter((n, i) => n.lines.slice(i === 0 ? fromA : fromB).some(acquired));
      assert.equal(owners.length, 1, 'exactly one resumed it');
    }

    // Graceful stop of the owner: the standby takes over at once (the lease was released).
    const [owner, other] =
      (await statusOf(a)).endpoints[0]?.lease?.role === 'owner' ? [a, b] : [b, a];
    const fromOther = other.lines.length;
    assert.equal(await owner.stop(), 0);
    const exitedAt = Date.now();
    assert.ok(
      owner.lines.some((l) => l.msg === 'lease released'),
      owner.tail(),
    );
    const took = await waitFrom(other, fromOther, 'takeover', acquired, LEASE_MS * 3);
    assert.ok(took.at - exitedAt < 2_000, `took over ${took.at - exitedAt} ms after the stop`);
    console.log(`# graceful stop: taken over ${took.at - exitedAt} ms after the owner exited`);
    await waitFrom(other, fromOther, 'endpoint running', running);

    // kill -9 of the owner's node: the standby runs it within leaseMs + 2 s.
    const again = await start(owner.name, owner.project);
    await waitFrom(again, 0, 'standing by', (l) => l.msg.startsWith(`standing by: ${other.name}`));
    const standingPid = warm ? await warmPid(again) : null;
    const fromAgain = again.lines.length;
    other.child.kill('SIGKILL');
    const killedAt = Date.now();
    const failover = await waitFrom(again, fromAgain, 'failover', acquired, LEASE_MS + 10_000);
    assert.ok(
      failover.at - killedAt <= LEASE_MS + 2_000,
      `failover took ${failover.at - killedAt} ms`,
    );
    console.log(`# kill -9: taken over ${failover.at - killedAt} ms after the kill`);
    await waitFrom(again, fromAgain, 'endpoint running', running);
    // A warm standby took over in its own process, not a new one.
    const owned = (await statusOf(again)).endpoints.find((e) => e.name === ENDPOINT);
    assert.equal(owned?.lease?.role, 'owner');
    if (standingPid !== null) assert.equal(owned.pid, standingPid, 'the warm standby runs it');
    // The dead node's endpoint process saw its link go and exited before the standby started.
    const orphan = other.endpointPids().at(-1);
    assert.ok(orphan !== undefined && !isAlive(orphan), `pid ${orphan} still runs`);
    if (warm) {
      // A warm standby whose node is killed exits at once: it has nothing to drain.
      const back = await start(other.name, other.project);
      await waitFrom(back, 0, 'standing by', (l) => l.msg.startsWith(`standing by: ${again.name}`));
      const standing = await warmPid(back);
      back.child.kill('SIGKILL');
      const until = Date.now() + 5_000;
      while (isAlive(standing) && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(!isAlive(standing), `warm standby ${standing} outlived its node by 5 s`);
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    for (const pid of nodes.flatMap((n) => n.endpointPids()))
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await Promise.all(projects.map((p) => p[Symbol.asyncDispose]()));
  }
}

test(
  'etcd: one owner, a warm standby, engine loss stops the owner in time, graceful and kill -9 failover',
  {
    skip: privateEtcdSkipReason(),
  },
  async () => {
    const etcd = await startPrivateEtcd();
    try {
      await scenario(`${etcd.url}?namespace=failover${randomBytes(3).toString('hex')}`, etcd, true);
    } finally {
      await etcd.close();
    }
  },
);

for (const warm of [true, false]) {
  test(
    warm
      ? 'PostgreSQL: one owner, a warm standby, graceful and kill -9 failover'
      : 'PostgreSQL, warmStandby false: one owner, a standby without a process, graceful and kill -9 failover',
    {
      skip: await serviceSkipReason('PostgreSQL', '127.0.0.1', 5432),
    },
    async () => {
      const schema = `aes_failover_${process.pid}_${randomBytes(3).toString('hex')}`;
      try {
        await scenario(`${POSTGRES}?namespace=${schema}`, undefined, warm);
      } finally {
        const client = new pg.Client({ connectionString: POSTGRES, connectionTimeoutMillis: 5000 });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      }
    },
  );
}
