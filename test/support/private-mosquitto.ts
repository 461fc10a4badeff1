/**
 * A Mosquitto of the test's own: the machine's `mosquitto` binary on a free loopback port, with a
 * password file and persistence in a temporary folder. Unlike the shared broker on 1883 it can
 * refuse bad credentials and be restarted (keeping its stored sessions), so the conformance
 * suite runs those cases against a real Mosquitto too.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { isListening, SERVICES_REQUIRED } from './services.js';
import { pollUntil } from './wait.js';

const BINARY = '/usr/sbin/mosquitto';
const PASSWD = '/usr/bin/mosquitto_passwd';
const START_DEADLINE_MS = 10_000;
const STOP_DEADLINE_MS = 10_000;

export interface PrivateMosquitto {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Stops (Mosquitto writes its persistence file on a clean exit) and starts on the same port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** `undefined` when the binaries exist, else the skip reason (throws under CI). */
export function privateMosquittoSkipReason(): string | undefined {
  const found = spawnSync(BINARY, ['-h']).error === undefined;
  const passwd = spawnSync(PASSWD, ['-h']).error === undefined;
  if (found && passwd) return undefined;
  const reason = `${BINARY} or ${PASSWD} is not installed (Debian package mosquitto)`;
  if (SERVICES_REQUIRED) throw new Error(`${reason} (required under CI)`);
  console.log(`# SKIP: ${reason}`);
  return reason;
}

export async function startPrivateMosquitto(): Promise<PrivateMosquitto> {
  const dir = await mkdtemp(join(tmpdir(), 'aes-mosquitto-'));
  const port = await freePort();
  const user = 'aes';
  const password = 'aes-private-password';
  const passwordFile = join(dir, 'passwd');
  await writeFile(passwordFile, '', { mode: 0o600 });
  const made = spawnSync(PASSWD, ['-b', passwordFile, user, password], { encoding: 'utf8' });
  if (made.status !== 0) {
    throw new Error(`private mosquitto: mosquitto_passwd failed: ${made.stderr}`);
  }
  const config = join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwordFile}`,
      'persistence true',
      `persistence_location ${dir}/`,
      'log_dest stderr',
      'log_type error',
      // Started as root (CI), Mosquitto would switch to its own user, which cannot read this
      // test's private folder; as any other user this line has no effect.
      'user root',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let log = '';
  const start = async (): Promise<void> => {
    const started = spawn(BINARY, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    started.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
    });
    child = started;
    await pollUntil(
      `private mosquitto to listen on 127.0.0.1:${port}`,
      async () => {
        if (started.exitCode !== null) {
          throw new Error(`private mosquitto exited with ${started.exitCode}: ${log.trim()}`);
        }
        return isListening('127.0.0.1', port, 200);
      },
      START_DEADLINE_MS,
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}${log === '' ? '' : ` (${log.trim()})`}`);
    });
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_DEADLINE_MS);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    user,
    password,
    restart: async () => {
      await stop();
      await start();
    },
    close: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
