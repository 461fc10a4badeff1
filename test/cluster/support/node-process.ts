/** Spawns test/cluster/fixtures/node.ts as a real process and collects its monitor events. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const FIXTURE = fileURLToPath(new URL('../fixtures/node.ts', import.meta.url));

export interface NodeEvent {
  readonly event: string;
  readonly kernel?: string;
  readonly [key: string]: unknown;
}

export class NodeProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly events: NodeEvent[] = [];
  stderr = '';
  address = '';
  readonly exited: Promise<number | null>;

  private constructor(name: string, child: ChildProcess) {
    this.name = name;
    this.child = child;
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as NodeEvent);
      } catch {
        this.stderr += `stdout: ${line}\n`;
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts a node; resolves once it listens and has dialed its seeds (or rejects if it exits). */
  static async start(
    name: string,
    secret: string,
    seeds: readonly string[] = [],
  ): Promise<NodeProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], {
      env: {
        ...process.env,
        AES_NODE_NAME: name,
        AES_NODE_SECRET: secret,
        AES_NODE_SEEDS: seeds.join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const node = new NodeProcess(name, child);
    let exitCode: number | null | undefined;
    void node.exited.then((code) => {
      exitCode = code;
    });
    const until = Date.now() + 30_000;
    let ready: NodeEvent | undefined;
    while ((ready = node.events.find((e) => e.event === 'ready')) === undefined) {
      if (exitCode !== undefined)
        throw new Error(`node ${name} exited with ${exitCode}: ${node.stderr}`);
      if (Date.now() > until) throw new Error(`node ${name} not ready within 30 s: ${node.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    node.address = String(ready.address);
    return node;
  }

  async waitEvent(pred: (e: NodeEvent) => boolean, timeoutMs = 10_000): Promise<NodeEvent> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found !== undefined) return found;
      if (Date.now() > until) {
        throw new Error(
          `${this.name}: no matching event within ${timeoutMs} ms; events: ${JSON.stringify(this.events)}; stderr: ${this.stderr}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  has(pred: (e: NodeEvent) => boolean): boolean {
    return this.events.some(pred);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
