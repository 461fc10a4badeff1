/**
 * An etcd of the test's own: Debian's `etcd` binary (package etcd-server) as a one-member cluster
 * on free loopback ports, its data in a temporary folder, killed and removed by `close()`. The
 * coordination suite needs an etcd nobody else writes to, and one it can stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { isListening, SERVICES_REQUIRED } from './services.js';
import { pollUntil } from './wait.js';

export const ETCD_BIN = '/usr/bin/etcd';
const START_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 10_000;

export interface PrivateEtcd {
  /** `etcd://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** SIGKILL, its data kept: the engine is gone until `restart()`. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data (after `kill()`), once it listens. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** `undefined` when the binary exists, else the skip reason (throws under CI). */
export function privateEtcdSkipReason(): string | undefined {
  if (existsSync(ETCD_BIN)) return undefined;
  const reason = `${ETCD_BIN} is not installed (apt-get install -y etcd-server)`;
  if (SERVICES_REQUIRED) throw new Error(`${reason} (required under CI)`);
  console.log(`# SKIP: ${reason}`);
  return reason;
}

export async function startPrivateEtcd(): Promise<PrivateEtcd> {
  const dir = await mkdtemp(join(tmpdir(), 'aes-etcd-'));
  const port = await freePort();
  const peerPort = await freePort();
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let log = '';
  const launch = (): ChildProcess =>
    spawn(
      ETCD_BIN,
      [
        '--name=aes-test',
        `--data-dir=${join(dir, 'data')}`,
        `--listen-client-urls=${client}`,
        `--advertise-client-urls=${client}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=aes-test=${peer}`,
        '--initial-cluster-state=new',
        '--logger=zap',
        '--log-level=error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  let child = launch();
  const watch = (c: ChildProcess) =>
    c.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
  watch(child);
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const listening = () =>
    pollUntil(
      `private etcd to listen on 127.0.0.1:${port}`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`private etcd exited with ${child.exitCode}: ${log.trim()}`);
        }
        return isListening('127.0.0.1', port, 200);
      },
      START_DEADLINE_MS,
    );
  const restart = async (): Promise<void> => {
    await kill();
    child = launch();
    watch(child);
    await listening();
  };
  try {
    await listening();
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `etcd://127.0.0.1:${port}`, port, kill, restart, close };
}
