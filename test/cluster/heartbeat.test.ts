import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Heartbeat, type HeartbeatHost } from '../../cluster/heartbeat.js';

class FakeClock {
  now = 0;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  schedule(fn: () => void, ms: number): () => void {
    const timer = { at: this.now + ms, fn, live: true };
    this.#timers.push(timer);
    return () => {
      timer.live = false;
    };
  }
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const next = this.#timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (next === undefined) break;
      next.live = false;
      this.now = next.at;
      next.fn();
    }
    this.now = end;
  }
}

function fakeHost(
  clock: FakeClock,
): HeartbeatHost & { sent: number; dead: number[]; rx: number; tx: number } {
  const host = {
    sent: 0,
    dead: [] as number[],
    rx: 0,
    tx: 0,
    now: () => clock.now,
    schedule: (fn: () => void, ms: number) => clock.schedule(fn, ms),
    lastReceivedAt: () => host.rx,
    lastSentAt: () => host.tx,
    sendHeartbeat: () => {
      host.sent += 1;
      host.tx = clock.now;
    },
    onDead: (ms: number) => host.dead.push(ms),
  };
  return host;
}

test('heartbeat: a quiet link sends, a silent peer is declared dead once, after the timeout', () => {
  const clock = new FakeClock();
  const host = fakeHost(clock);
  const hb = new Heartbeat(host, 500, 2000);
  hb.start();
  clock.advance(1000);
  assert.ok(host.sent >= 1, 'sent a heartbeat while idle');
  assert.deepEqual(host.dead, []);
  clock.advance(1500);
  assert.equal(host.dead.length, 1);
  assert.ok((host.dead[0] ?? 0) >= 2000 && (host.dead[0] ?? 0) <= 2250);
  clock.advance(5000);
  assert.equal(host.dead.length, 1, 'onDead once');
});

test('heartbeat: traffic from the peer keeps it alive; busy sending means no heartbeat', () => {
  const clock = new FakeClock();
  const host = fakeHost(clock);
  const hb = new Heartbeat(host, 500, 2000);
  hb.start();
  for (let i = 0; i < 20; i++) {
    clock.advance(100);
    host.rx = clock.now;
    host.tx = clock.now;
  }
  assert.deepEqual(host.dead, []);
  assert.equal(host.sent, 0);
  hb.stop();
  clock.advance(10_000);
  assert.deepEqual(host.dead, []);
});
