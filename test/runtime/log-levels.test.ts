/**
 * Logs at the right level: an endpoint that crashes (a real child process exiting on its own) or
 * is quarantined is logged as an error, a lost broker connection as a warning, a recovered one as
 * info; ordinary moves stay info. An endpoint's own output keeps its JSON records' levels, and
 * Node's debug output (NODE_DEBUG) is not a warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointProcess } from '../../runtime/supervisor/endpoint-process.js';
import {
  brokerChangeLevel,
  endpointChangeLevel,
  logBrokerChange,
  logEndpointChange,
} from '../../runtime/node/log-levels.js';
import { logOutputLine } from '../../runtime/node/logger.js';
import { waitFor } from './support/helpers.js';
import { captureLog } from './support/capture-log.js';

const CHILD = new URL('./fixtures/endpoint-child.mjs', import.meta.url).pathname;

test('an endpoint that crashes is logged as an error; its start as info', async () => {
  const { log, records } = captureLog();
  await using proc = new EndpointProcess({
    name: 'ep',
    command: process.execPath,
    args: [CHILD, 'exit', '3'],
    settings: {
      hangLimitMs: 1_000,
      startLimitMs: 15_000,
      restartBackoff: { initialMs: 50, maxMs: 100 },
      quarantine: { restarts: 1, windowMs: 60_000 },
      killGraceMs: 400,
    },
    listener: { stateChange: (c) => logEndpointChange(log, c) },
  });
  await proc.start();
  await waitFor('quarantine', () => proc.state === 'failed', 20_000);
  const crash = records.find((r) => r.msg === 'running -> backoff');
  assert.equal(crash?.level, 'error', JSON.stringify(records));
  assert.match(String(crash.reason), /exited: exit code 3/);
  assert.equal(records.find((r) => r.msg.endsWith('-> failed'))?.level, 'error');
  assert.equal(records.find((r) => r.msg === 'stopped -> starting')?.level, 'info');
  assert.equal(records.find((r) => r.msg === 'starting -> running')?.level, 'info');
});

test('the levels of every endpoint move: backoff and failed are errors, the rest info', () => {
  assert.equal(endpointChangeLevel({ to: 'backoff' }), 'error');
  assert.equal(endpointChangeLevel({ to: 'failed' }), 'error');
  for (const to of ['starting', 'running', 'stopping', 'stopped'] as const) {
    assert.equal(endpointChangeLevel({ to }), 'info', to);
  }
});

test('a lost broker connection is a warning, the reconnection info, the first connect silent', () => {
  const { log, records } = captureLog();
  const url = 'stomp://localhost:61613';
  logBrokerChange(log, { from: 'idle', to: 'connecting', url });
  logBrokerChange(log, { from: 'connecting', to: 'connected', url });
  logBrokerChange(log, { from: 'connected', to: 'reconnecting', url, error: new Error('reset') });
  logBrokerChange(log, { from: 'reconnecting', to: 'connected', url });
  logBrokerChange(log, { from: 'connected', to: 'closed', url });
  assert.deepEqual(
    records.map((r) => [r.level, r.msg, r.error]),
    [
      ['warn', 'broker connected -> reconnecting', 'reset'],
      ['info', 'broker reconnecting -> connected', undefined],
    ],
  );
  assert.equal(brokerChangeLevel({ from: 'reconnecting', to: 'closed' }), undefined);
});

test("an endpoint's output: JSON keeps its level, NODE_DEBUG lines are info, other stderr a warning", () => {
  const { log, records } = captureLog();
  logOutputLine(log, 'stdout', JSON.stringify({ level: 'error', msg: 'from json', step: 'put' }));
  logOutputLine(log, 'stderr', 'AES-RUNTIME 4242: orders-in: running -> stopping (stop requested)');
  logOutputLine(log, 'stderr', 'Error: something broke');
  logOutputLine(log, 'stdout', 'plain line');
  assert.deepEqual(
    records.map((r) => [r.level, r.msg, r.stream ?? null, r.debug ?? null]),
    [
      ['error', 'from json', null, null],
      [
        'info',
        'AES-RUNTIME 4242: orders-in: running -> stopping (stop requested)',
        'stderr',
        'aes-runtime',
      ],
      ['warn', 'Error: something broke', 'stderr', null],
      ['info', 'plain line', 'stdout', null],
    ],
  );
});
