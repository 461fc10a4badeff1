/**
 * `aes status` with placement by lease: the owner's row and a standby's carry the lease (owner,
 * fencing token, age) beside the state, and a standby that cannot decide shows why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatClusterStatus, type EndpointStatus } from '../../runtime/node/index.js';

const base: EndpointStatus = {
  name: 'orders-out',
  node: 'a',
  state: 'running',
  pid: 10,
  restarts: 0,
  lastError: null,
  step: 'idle',
  stepAgeMs: 120,
  counters: null,
  broker: null,
};

test('status table: owner and standby rows show owner, token and lease age', () => {
  const table = formatClusterStatus({
    nodes: [
      {
        node: 'a',
        pid: 1,
        startedAt: '',
        endpoints: [
          {
            ...base,
            lease: { role: 'owner', owner: 'a', token: '7', ageMs: 42_000, error: null },
          },
        ],
      },
      {
        node: 'b',
        pid: 2,
        startedAt: '',
        endpoints: [
          {
            ...base,
            node: 'b',
            state: 'standby',
            pid: null,
            step: null,
            stepAgeMs: null,
            lease: { role: 'standby', owner: 'a', token: '7', ageMs: 41_000, error: null },
          },
        ],
      },
      {
        node: 'c',
        pid: 3,
        startedAt: '',
        endpoints: [
          {
            ...base,
            node: 'c',
            state: 'standby',
            pid: null,
            lease: {
              role: 'standby',
              owner: null,
              token: null,
              ageMs: null,
              error: 'connect ECONNREFUSED 127.0.0.1:2379',
              desired: 'stopped',
            },
          },
        ],
      },
    ],
  });
  assert.match(table, /^a +orders-out +running \(owner: a, token 7, lease 42 s\) +0 +idle/m);
  assert.match(table, /^b +orders-out +standby \(owner: a, token 7, lease 41 s\) +0 +- +-$/m);
  assert.match(
    table,
    /^c +orders-out +standby \(owner: none, desired: stopped\) .*ECONNREFUSED 127\.0\.0\.1:2379$/m,
  );
});

test('status table: a warm standby says so beside its owner', () => {
  const table = formatClusterStatus({
    nodes: [
      {
        node: 'b',
        pid: 2,
        startedAt: '',
        endpoints: [
          {
            ...base,
            node: 'b',
            state: 'standby',
            pid: 20,
            step: null,
            stepAgeMs: null,
            lease: {
              role: 'standby',
              owner: 'a',
              token: '7',
              ageMs: 12_000,
              error: null,
              warm: true,
            },
          },
        ],
      },
    ],
  });
  assert.match(table, /^b +orders-out +standby \(owner: a, token 7, lease 12 s, warm\) +0 +- +-$/m);
});
