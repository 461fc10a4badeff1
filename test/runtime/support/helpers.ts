/** Small helpers shared by the runtime tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pollUntil } from '../../support/wait.js';
import { randomUUID } from 'node:crypto';
import {
  createTransport,
  type Destination,
  type InboundMessage,
  type Transport,
} from '../../../transports/index.js';

/** A temporary folder removed by the returned `dispose`. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await mkdtemp(join(tmpdir(), 'aes-runtime-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** A connected in-memory transport on a hub of its own (or the named one). */
export async function memoryTransport(hub: string = randomUUID()): Promise<Transport> {
  const transport = createTransport(`memory://${hub}`);
  await transport.connect();
  return transport;
}

/** Polls `condition` every 10 ms until it holds; fails after `timeoutMs` with `what`. */
export function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  return pollUntil(what, condition, timeoutMs);
}

/** Collects every message of a queue (acking each) until `count` arrived or the deadline passes. */
export async function drainQueue(
  transport: Transport,
  destination: Destination,
  count: number,
  timeoutMs = 10_000,
): Promise<InboundMessage[]> {
  const got: InboundMessage[] = [];
  const subscription = await transport.subscribe(destination, (m) => {
    got.push(m);
    return Promise.resolve();
  });
  try {
    await waitFor(`${count} messages on ${destination}`, () => got.length >= count, timeoutMs);
    // Anything beyond `count` (a duplicate) would arrive right behind; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await subscription.unsubscribe();
  }
  return got;
}

/** A promise with its settle functions outside. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: Error) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
