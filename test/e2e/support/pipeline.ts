/** Checks shared by the end-to-end tests: exactly once, in order. */
import assert from 'node:assert/strict';
import type { SourceSystem, TargetSystem } from '../../runtime/support/soap-systems.js';
import { pollWhileProgressing } from '../../support/wait.js';

/**
 * Waits until the target accepted `count` messages and the source FIFO is empty. A loaded
 * machine moves records slowly: this fails only when no record moved for `stallMs`.
 */
export async function waitDelivered(
  source: SourceSystem,
  target: TargetSystem,
  count: number,
  stallMs = 60_000,
): Promise<void> {
  await pollWhileProgressing(
    `${count} records delivered`,
    () => ({ accepted: target.accepted.length, left: source.remaining }),
    (s) => s.accepted >= count && s.left === 0,
    {
      stallMs,
      describe: (s) => `target accepted ${s.accepted} of ${count}, source has ${s.left} left`,
    },
  );
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
