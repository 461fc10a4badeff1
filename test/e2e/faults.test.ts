/**
 * Faults on real processes, one node running both endpoints over its embedded broker. Each test
 * breaks one thing and checks that every record still reaches the target exactly once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  SourceSystem,
  TargetSystem,
  makeRecords,
  type SourceHooks,
  type TargetOptions,
} from '../runtime/support/soap-systems.js';
import { makeProject, RunningNode } from './support/project.js';
import { assertExactlyOnceInOrder, waitDelivered } from './support/pipeline.js';
import type { ClusterStatus } from '../../runtime/node/index.js';

const COUNT = 12;

async function scenario(
  options: {
    readonly env?: Readonly<Record<string, string>>;
    readonly source?: SourceHooks;
    readonly target?: TargetOptions;
    /** Batch mode (PopMany, PoppedMany, PutMany) with this batch size. */
    readonly batchSize?: number;
  },
  check: (context: {
    source: SourceSystem;
    target: TargetSystem;
    node: RunningNode;
  }) => void | Promise<void>,
): Promise<void> {
  const source = await SourceSystem.start(makeRecords(COUNT), options.source);
  const target = await TargetSystem.start(options.target);
  await using project = await makeProject({
    node: 'solo',
    endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
    config: {
      endpoints: {
        defaults: {
          restartBackoff: { initialMs: 100, maxMs: 500 },
          maxDeliveries: 50,
          ...(options.batchSize === undefined
            ? {}
            : { batchSize: options.batchSize, prefetch: options.batchSize }),
        },
      },
    },
  });
  try {
    await using node = await RunningNode.start('solo', project, {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/e2e-${randomUUID()}`,
      ...options.env,
    });
    await waitDelivered(source, target, COUNT);
    assertExactlyOnceInOrder(source, target, 'orders-out');
    await check({ source, target, node });
  } finally {
    await source.close();
    await target.close();
  }
}

function restartsOf(node: RunningNode, endpoint: string): number {
  const status = JSON.parse(node.cli(['status', '--json']).stdout) as ClusterStatus;
  const found = status.nodes[0]?.error === undefined ? status.nodes[0]?.endpoints : [];
  return found?.find((e) => e.name === endpoint)?.restarts ?? -1;
}

test('kill -9 of the outbound endpoint between the confirmation and popped', async () => {
  await scenario({ env: { E2E_OUT_DIE_AT: '5' } }, ({ source, node }) => {
    assert.equal(restartsOf(node, 'orders-out'), 1);
    // The journal made the restart resume at `popped`: record 5 was never popped again.
    assert.equal(source.repops, 0);
  });
});

test('batch mode: kill -9 of the outbound endpoint between the confirmation and poppedMany', async () => {
  await scenario({ batchSize: 5, env: { E2E_OUT_DIE_AT: '5' } }, ({ source, node }) => {
    assert.equal(restartsOf(node, 'orders-out'), 1);
    // Records 1..5 were confirmed and journaled as one batch; the restart marked them popped
    // with PoppedMany and never popped or published them again.
    assert.equal(source.repops, 0);
    assert.ok(source.calls.poppedMany >= 3, `PoppedMany calls: ${source.calls.poppedMany}`);
    assert.equal(source.calls.popped, 0, 'no Popped per record in batch mode');
  });
});

test('kill -9 of the inbound endpoint between the target call and the ack', async () => {
  await scenario({ env: { E2E_IN_DIE_AT: 'orders-out:5' } }, ({ node }) => {
    assert.equal(restartsOf(node, 'orders-in'), 1);
  });
});

test('the target fails 30% of its calls', async () => {
  await scenario({ target: { failRate: 0.3, seed: 7 } }, ({ target }) => {
    assert.ok(target.calls.failed >= 2, `the target refused ${target.calls.failed} calls`);
  });
});

test('popped fails for a while', async () => {
  let failures = 0;
  await scenario(
    {
      source: {
        popped: (_id, call) => {
          if (call >= 3 && call < 9) {
            failures += 1;
            throw new Error('source system busy');
          }
        },
      },
    },
    ({ source }) => {
      assert.equal(failures, 6);
      assert.equal(source.repops, 0, 'no record was popped again while popped failed');
    },
  );
});
