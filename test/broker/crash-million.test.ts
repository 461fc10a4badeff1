/**
 * Durability under kill -9 (kill9-scenario.ts) at a backlog of 1,000,000 messages of 256 bytes:
 * sent with receipts, the broker killed with SIGKILL during the stream that follows, restarted,
 * and drained — every receipted message once, in order. Some 45 s on the 2-core development
 * machine under load (docs/broker.md, Backlogs and memory).
 */
import { test } from 'node:test';
import { killNineScenario } from './kill9-scenario.js';

test('every receipted message of a backlog of 1,000,000 survives SIGKILL of the broker', () =>
  killNineScenario(1_000_000, 256));
