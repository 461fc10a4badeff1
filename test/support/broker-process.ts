/**
 * `aes broker` as a child process, run from source: started, and known to listen once it has
 * printed its `listening on <url>, data in <dir>` line. Used by the broker CLI test, the e2e
 * kill -9 test and the broker bench.
 */
import type { ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { spawnCli } from './cli.js';

export interface BrokerProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** The port it listens on (the real one when started with `--port 0`). */
  readonly port: number;
  /** As printed: `stomp://host:port`, or `stomp+ssl://host:port` with TLS. */
  readonly url: string;
}

const LISTENING = /listening on (stomp(?:\+ssl)?:\/\/\S+:(\d+)),/;

/**
 * Starts `aes broker <args>`; resolves once it listens. Rejects (and kills it) when it exits
 * first or does not listen within `timeoutMs`, with the end of its stderr.
 */
export function startBrokerProcess(
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<BrokerProcess> {
  const child = spawnCli(['broker', ...args]);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  return new Promise((resolve, reject) => {
    const failed = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`aes broker ${why}${stderr === '' ? '' : `: ${stderr.trim()}`}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      failed(`did not listen within ${timeoutMs} ms`);
    }, timeoutMs);
    child.once('exit', (code, signal) => failed(`exited (${code ?? signal}) before listening`));
    // Read stdout to its end (the broker also prints when it closes), matching the first line.
    let started = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = LISTENING.exec(line);
      if (started || match === null) return;
      started = true;
      clearTimeout(timer);
      resolve({ child, port: Number(match[2]), url: match[1] ?? '' });
    });
  });
}
