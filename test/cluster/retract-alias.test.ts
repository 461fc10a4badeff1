/**
 * RETRACTED names the session itself; a subscriber that used an alias still hears it, because a
 * version 2 SUBSCRIBED tells it the session's own name. Version 1 peers get the version 1 form.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame } from '../../cluster/frame-codec.js';
import { Kernel, type UnsubscribeEvent } from '../../cluster/index.js';
import { FrameType } from '../../cluster/messages.js';
import { encodeSubscribe } from '../../cluster/message-encoding.js';
import { RawPeer } from './support/raw-peer.js';
import { waitUntil } from './support/wait.js';

const SECRET = 'alias-secret';

test('a retraction reaches a subscriber that subscribed by session alias', async () => {
  const a = new Kernel({ name: 'a', secret: SECRET });
  const b = new Kernel({ name: 'b', secret: SECRET });
  try {
    await b.connect((await a.listen()).address);
    a.addSession('svc', { ping: () => 'pong', other: () => 1 }, { aliases: ['svcalias'] });
    a.publish('svc', ['ping', 'other']);
    const events: UnsubscribeEvent[] = [];
    b.monitor('*', { unsubscribe: (e) => events.push(e) });
    const r = await b.subscribe(['poe://a/svcalias'], { timeoutMs: 5_000 });
    const sub = r.subscribed[0];
    assert.ok(sub !== undefined, JSON.stringify(r.failed));
    assert.equal(sub.session, 'svc', 'the proxy carries the session name');
    assert.equal(b.getProxy('poe://a/svcalias'), sub.proxy);
    assert.equal(b.getProxy('poe://a/svc'), sub.proxy);
    assert.equal(await sub.proxy.call('ping'), 'pong');
    a.retract('svc', ['other']);
    await waitUntil('partial retraction', () => events.length === 1);
    assert.deepEqual(sub.proxy.states, ['ping']);
    assert.equal(sub.proxy.active, true);
    a.retract('svc');
    await waitUntil('full retraction', () => events.length === 2);
    assert.equal(events[1]?.cause, 'retracted');
    assert.equal(events[1]?.session, 'svc');
    assert.equal(sub.proxy.active, false);
    assert.equal(b.getProxy('poe://a/svcalias'), undefined);
  } finally {
    await Promise.all([a.shutdown(), b.shutdown()]);
  }
});

test('version negotiation: a version 1 peer gets the version 1 SUBSCRIBED', async () => {
  const a = new Kernel({ name: 'a', secret: SECRET, mesh: false });
  const raw = await RawPeer.connect((await a.listen()).address);
  try {
    await raw.handshake('old', SECRET); // offers versions [1] only
    const welcome = await raw.waitFor((m) => m.kind === 'welcome');
    assert.equal(welcome.kind === 'welcome' && welcome.version, 1);
    a.addSession('svc', { ping: () => 'pong' }, { aliases: ['svcalias'] });
    a.publish('svc', ['ping']);
    raw.write(encodeFrame(FrameType.SUBSCRIBE, encodeSubscribe(7, 'svcalias')));
    await raw.waitFor((m) => m.kind === 'subscribed');
    const ack = raw.frames.find((f) => f.type === FrameType.SUBSCRIBED);
    assert.equal(ack?.body.toString(), '[7,true,["ping"]]');
  } finally {
    raw.destroy();
    await a.shutdown();
  }
});
