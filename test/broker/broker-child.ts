/**
 * The embedded broker as a child process (fixtures/broker-process.ts) for the kill -9 tests, and
 * a raw client that decodes what the broker sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { StompFrameDecoder } from '../../broker/decoder.js';
import type { StompFrame } from '../../broker/frame.js';
import { type RawClient, within } from './support.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/broker-process.ts', import.meta.url));
const LIMITS = { maxFrameBytes: 1 << 24, maxHeaders: 64, maxHeaderBytes: 65536 };

/**
 * Starts the broker child on `dataDir`; `commitDelayMs` is its store's LMDB commit delay
 * (default 2 s: at a kill most receipted messages exist only in the journal), `memoryBudgetMb`
 * its memory budget (default 64; 1 releases LMDB's map every MiB read, see lmdb-map.ts).
 */
export async function spawnBroker(
  dataDir: string,
  commitDelayMs = 2000,
  memoryBudgetMb = 64,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', FIXTURE, dataDir, String(commitDelayMs), String(memoryBudgetMb)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = createInterface({ input: child.stdout });
  const port = await within(
    'broker child to listen',
    new Promise<number>((resolve, reject) => {
      lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
      child.once('exit', (code) => {
        reject(new Error(`broker child exited early (${code}): ${stderr}`));
      });
    }),
    30_000,
  );
  return { child, port };
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return within(
    'broker child to exit',
    new Promise((resolve) => child.once('exit', () => resolve())),
    15_000,
  );
}

/** A raw client that decodes the frames the broker sends. */
export class FrameReader {
  readonly frames: StompFrame[] = [];
  readonly #decoder = new StompFrameDecoder(LIMITS, '1.2');
  constructor(readonly raw: RawClient) {
    raw.socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#decoder.push(chunk)) this.frames.push(frame);
      // The frames are decoded here: RawClient's copy of every byte would grow without end.
      raw.data = Buffer.alloc(0);
    });
  }
}
