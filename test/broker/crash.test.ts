/**
 * Durability under kill -9 (kill9-scenario.ts) at today's sizes: a backlog of 20 messages of
 * 1 KiB ahead of the stream. `AES_KILL9_BACKLOG` and `AES_KILL9_BODY_BYTES` set the backlog and
 * its bodies' size (`AES_KILL9_BACKLOG=5000000`, say); crash-million.test.ts runs it at
 * 1,000,000.
 */
import { test } from 'node:test';
import { HELD, killNineScenario } from './kill9-scenario.js';

function envCount(name: string, fallback: number, least: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < least) {
    throw new Error(`${name} must be an integer of at least ${least} (is '${raw ?? ''}')`);
  }
  return value;
}

const BACKLOG = envCount('AES_KILL9_BACKLOG', HELD, HELD);
const BODY_BYTES = envCount('AES_KILL9_BODY_BYTES', 1024, 1);

test(`every receipted message survives SIGKILL of the broker (backlog ${BACKLOG} × ${BODY_BYTES} B)`, () =>
  killNineScenario(BACKLOG, BODY_BYTES));
