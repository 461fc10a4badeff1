/**
 * `resolveHeartbeatTimeout`: a kernel judges a silent peer by that peer's own limit when it has
 * one (a node's endpoint processes, which may be busy for seconds), by `heartbeatTimeoutMs`
 * otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../cluster/index.js';
import { RawPeer } from './support/raw-peer.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'peer-timeout-secret';

test('a silent peer with a limit of its own outlasts one judged by heartbeatTimeoutMs', async () => {
  const node = new Kernel({
    name: 'node',
    secret: SECRET,
    mesh: false,
    heartbeatIntervalMs: 100,
    heartbeatTimeoutMs: 400,
    resolveHeartbeatTimeout: (peer) => (peer === 'patient' ? 120_000 : undefined),
  });
  const { address } = await node.listen();
  const patient = await RawPeer.connect(address);
  const silent: RawPeer[] = [];
  try {
    // Each handshakes, then says nothing more.
    await patient.handshake('patient', SECRET);
    await waitUntil('patient linked', () => node.getKernel('patient') !== undefined);
    // Two peers judged by heartbeatTimeoutMs, one after the other: once the second is dropped,
    // patient has been silent for longer than that limit, whatever the timers' phases.
    for (const name of ['quick-1', 'quick-2']) {
      const peer = await RawPeer.connect(address);
      silent.push(peer);
      await peer.handshake(name, SECRET);
      await waitUntil(`${name} dropped for its silence`, () => peer.closed, 15_000);
    }
    assert.notEqual(node.getKernel('patient'), undefined, 'patient is still linked');
    assert.equal(patient.closed, false);
  } finally {
    for (const peer of [patient, ...silent]) peer.destroy();
    await node.shutdown();
  }
});

test('resolveHeartbeatTimeout must be a function', () => {
  assert.throws(
    () => new Kernel({ name: 'n', resolveHeartbeatTimeout: 5 as never }),
    /'resolveHeartbeatTimeout' must be a function/,
  );
});
