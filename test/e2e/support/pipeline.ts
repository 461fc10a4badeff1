/** Checks shared by the end-to-end tests: exactly once, in order. */
import assert from 'node:assert/strict';
import type { SourceSystem, TargetSystem } from '../../runtime/support/soap-systems.js';

/** Waits until the target accepted `count` messages and the source FIFO is empty. */
export async function waitDelivered(
  source: SourceSystem,
  target: TargetSystem,
  count: number,
  timeoutMs = 90_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (target.accepted.length < count || source.remaining > 0) {
    if (Date.now() > until) {
      throw new Error(
        `after ${timeoutMs} ms: target accepted ${target.accepted.length} of ${count}, source has ${source.remaining} left`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // A duplicate would come right behind the last record; give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/** Every record reached the target exactly once, in FIFO order, with its payload and its id. */
export function assertExactlyOnceInOrder(
  source: SourceSystem,
  target: TargetSystem,
  endpoint: string,
): void {
  assert.deepEqual(
    target.accepted.map((a) => a.messageId),
    source.records.map((r) => `${endpoint}:${r.id}`),
  );
  assert.deepEqual(
    target.accepted.map((a) => a.payload),
    source.records.map((r) => r.payload),
  );
  assert.equal(source.remaining, 0, 'the FIFO is empty');
}
