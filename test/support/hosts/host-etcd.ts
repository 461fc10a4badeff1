/**
 * An etcd of a multi-host test, on one host of the bed (Debian's `/usr/bin/etcd`): one member
 * listening on every address of its host, its data in the host's own files, reached by the others
 * as `etcd://HOST:2379` — the coordination engine of nodes placed by lease, as a real
 * installation would run it on a machine of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Host } from './host.js';
import { DEFAULT_ROOT } from './bed.js';

const CLIENT_PORT = 2379;
const PEER_PORT = 2380;
const READY_TIMEOUT_MS = 30_000;

export class HostEtcd implements AsyncDisposable {
  private constructor(
    readonly host: Host,
    private readonly child: ChildProcess,
  ) {}

  /** The URL nodes on any host of the bed use: `etcd://HOST:2379`. */
  get url(): string {
    return `etcd://${this.host.name}:${CLIENT_PORT}`;
  }

  /** Starts etcd on `host`; resolves once it serves clients. */
  static async start(host: Host): Promise<HostEtcd> {
    const peer = `http://${host.address}:${PEER_PORT}`;
    const child = host.spawn([
      '/usr/bin/etcd',
      '--name=bed',
      `--data-dir=${DEFAULT_ROOT}/etcd`,
      `--listen-client-urls=http://0.0.0.0:${CLIENT_PORT}`,
      `--advertise-client-urls=http://${host.address}:${CLIENT_PORT}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bed=${peer}`,
      '--initial-cluster-state=new',
      '--logger=zap',
      '--log-level=info',
    ]);
    const etcd = new HostEtcd(host, child);
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `etcd on ${host.name}: not ready in ${READY_TIMEOUT_MS} ms:\n${lines.join('\n')}`,
          ),
        );
      }, READY_TIMEOUT_MS);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`etcd on ${host.name} exited (${code}):\n${lines.slice(-20).join('\n')}`));
      });
      createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
        if (lines.length < 200) lines.push(line);
        if (line.includes('serving client traffic')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return etcd;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
