/**
 * Aliases are declared by a peer itself, covered by no proof: they never grant access and never
 * take over another kernel's name or alias.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HandshakeError, Kernel, RemoteError } from '../../cluster/index.js';
import { waitUntil } from './support/wait.js';

test('an allow list matches the authenticated name, never an alias the peer declared', async () => {
  const tokens = new Map([
    ['ep-evil', 'evil-token'],
    ['trusted', 'trusted-token'],
  ]);
  const node = new Kernel({ name: 'node', resolveSecret: (peer) => tokens.get(peer) });
  const listener = await node.listen();
  node.addSession('admin', { wipe: () => 'wiped' });
  node.publish('admin', ['wipe'], { allow: ['trusted'] });
  const evil = new Kernel({
    name: 'ep-evil',
    aliases: ['trusted'],
    secret: 'evil-token',
    mesh: false,
  });
  const trusted = new Kernel({ name: 'trusted', secret: 'trusted-token', mesh: false });
  try {
    await evil.connect(listener.address);
    await assert.rejects(
      evil.call('poe://node/admin/wipe', null, { timeoutMs: 5_000 }),
      (e: unknown) => e instanceof RemoteError && e.code === 'FORBIDDEN',
    );
    await evil.shutdown();
    await waitUntil('evil gone', () => node.kernels().length === 0);
    await trusted.connect(listener.address);
    assert.equal(await trusted.call('poe://node/admin/wipe', null, { timeoutMs: 5_000 }), 'wiped');
  } finally {
    await Promise.all([node.shutdown(), evil.shutdown(), trusted.shutdown()]);
  }
});

test('a HELLO whose aliases are names or aliases of linked kernels is refused NAME_TAKEN', async () => {
  const node = new Kernel({ name: 'node', aliases: ['hub'], secret: 's' });
  const listener = await node.listen();
  const a = new Kernel({ name: 'a', aliases: ['shared'], secret: 's', mesh: false });
  const thief = new Kernel({ name: 'thief', aliases: ['shared'], secret: 's', mesh: false });
  const byName = new Kernel({ name: 'thief2', aliases: ['a'], secret: 's', mesh: false });
  const local = new Kernel({ name: 'thief3', aliases: ['hub'], secret: 's', mesh: false });
  const aliasAsName = new Kernel({ name: 'shared', secret: 's', mesh: false });
  try {
    await a.connect(listener.address);
    for (const k of [thief, byName, local, aliasAsName]) {
      await assert.rejects(
        k.connect(listener.address),
        (e: unknown) => e instanceof HandshakeError && e.code === 'NAME_TAKEN',
        k.name,
      );
    }
    assert.deepEqual(
      node.kernels().map((k) => k.name),
      ['a'],
    );
    // Routing by the alias still reaches the kernel that owned it first.
    a.addSession('svc', { who: () => 'a' });
    a.publish('svc', ['who']);
    assert.equal(await node.call('poe://shared/svc/who', null, { timeoutMs: 5_000 }), 'a');
    assert.equal(node.stats().nameConflicts, 4);
  } finally {
    await Promise.all([node, a, thief, byName, local, aliasAsName].map((k) => k.shutdown()));
  }
});

test('a kernel we dial cannot claim an alias of a kernel already linked', async () => {
  const a = new Kernel({ name: 'a', aliases: ['shared'], secret: 's', mesh: false });
  const thief = new Kernel({ name: 'thief', aliases: ['shared'], secret: 's', mesh: false });
  const dialer = new Kernel({ name: 'dialer', secret: 's', mesh: false });
  try {
    await dialer.connect((await a.listen()).address);
    await assert.rejects(
      dialer.connect((await thief.listen()).address),
      (e: unknown) => e instanceof HandshakeError && e.code === 'NAME_TAKEN',
    );
    assert.deepEqual(
      dialer.kernels().map((k) => k.name),
      ['a'],
    );
  } finally {
    await Promise.all([a, thief, dialer].map((k) => k.shutdown()));
  }
});
