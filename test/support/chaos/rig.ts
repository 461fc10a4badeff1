/**
 * The system under chaos: a FIFO source and a recording target (SOAP, in this process), and three
 * `aes run` nodes — one running the embedded broker on a fixed port (so it restarts on the same
 * address and data), one the outbound endpoint and one the inbound endpoint, both using that
 * broker. It hands the nemesis its targets and removes every process it started, orphaned
 * endpoints included (any process whose working folder is one of its projects).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { SourceSystem, TargetSystem, makeRecords } from '../../runtime/support/soap-systems.js';
import { makeProject, RunningNode, type LogLine, type Project } from '../../e2e/support/project.js';
import { freePort } from '../ports.js';
import type { ChaosTarget } from './nemesis.js';

export interface RigOptions {
  /** Share of the target's Put calls that fail. */
  readonly targetFaults: number;
  readonly seed: number;
  /** The inbound endpoint asks the target (`Has`) before putting again. */
  readonly lookup: boolean;
}

/** One node: its project stays, its `aes run` process is killed and started again. */
export class ChaosNode {
  /** Every incarnation, oldest first (their log lines are kept). */
  readonly runs: RunningNode[] = [];

  constructor(
    readonly name: string,
    readonly project: Project,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  get current(): RunningNode | undefined {
    return this.runs.at(-1);
  }

  /** Every log line of every incarnation. */
  lines(): LogLine[] {
    return this.runs.flatMap((r) => r.lines);
  }

  async start(): Promise<string> {
    const node = await RunningNode.start(this.name, this.project, this.env);
    this.runs.push(node);
    return `pid ${node.child.pid}`;
  }

  async kill9(): Promise<string | undefined> {
    const node = this.current;
    if (node === undefined || node.child.exitCode !== null || node.child.signalCode !== null) {
      return undefined;
    }
    node.child.kill('SIGKILL');
    await node.exited;
    return `pid ${node.child.pid}`;
  }

  /** The pid of its endpoint process as its log says (`starting -> running`, `pid N`), if alive. */
  endpointPid(): number | undefined {
    const line = this.current?.lines.findLast(
      (l) => l.msg === 'starting -> running' && typeof l.reason === 'string',
    );
    if (line === undefined) return undefined;
    const pid = Number(String(line.reason).replace('pid ', ''));
    return ownProcesses([this.project.dir]).includes(pid) ? pid : undefined;
  }
}

/** Pids of processes whose working folder is under one of `dirs` (ours: nothing else is). */
export function ownProcesses(dirs: readonly string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (dirs.some((d) => cwd === d || cwd.startsWith(`${d}/`))) pids.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    // A zombie is dead for our purposes.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function killAll(dirs: readonly string[]): void {
  for (const pid of ownProcesses(dirs)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export class ChaosRig implements AsyncDisposable {
  private readonly projects: Project[] = [];
  private readonly nodes: ChaosNode[] = [];
  private readonly onExit = (): void => killAll(this.projects.map((p) => p.dir));

  private constructor(
    readonly source: SourceSystem,
    readonly target: TargetSystem,
  ) {
    // The runner's timeout or an uncaught error must not leave nodes behind.
    process.once('exit', this.onExit);
  }

  /** Starts the systems (the source's FIFO empty: see `fill`) and the three nodes. */
  static async start(options: RigOptions): Promise<ChaosRig> {
    const source = await SourceSystem.start([]);
    const target = await TargetSystem.start({ failRate: options.targetFaults, seed: options.seed });
    const rig = new ChaosRig(source, target);
    try {
      await rig.startNodes(options);
      return rig;
    } catch (err) {
      await rig.close();
      throw err;
    }
  }

  private async startNodes(options: RigOptions): Promise<void> {
    const port = await freePort();
    const id = randomUUID().slice(0, 8);
    const env = {
      E2E_SOURCE_URL: this.source.url,
      E2E_TARGET_URL: this.target.url,
      E2E_QUEUE: `/queue/chaos-${id}`,
      E2E_IN_LOOKUP: options.lookup ? '1' : '0',
    };
    const endpointConfig = {
      broker: { urls: [`stomp://127.0.0.1:${port}`] },
      endpoints: {
        defaults: {
          restartBackoff: { initialMs: 100, maxMs: 1_000 },
          // The kills are the nemesis's, not a crash loop: no quarantine, no dead-lettering.
          quarantine: { restarts: 1_000_000, windowMs: 1_000 },
          maxDeliveries: 1_000,
          drainTimeoutMs: 2_000,
        },
      },
    };
    const make = async (
      node: string,
      endpoints: Record<string, string>,
      config: Record<string, unknown>,
    ) => {
      const project = await makeProject({ node: `${node}-${id}`, endpoints, config });
      this.projects.push(project);
      this.nodes.push(new ChaosNode(node, project, env));
    };
    await make('broker', {}, { broker: { embedded: { port } } });
    await make('outbound', { 'orders-out': 'orders-out.ts' }, endpointConfig);
    await make('inbound', { 'orders-in': 'orders-in.ts' }, endpointConfig);
    await this.broker.start();
    await Promise.all([this.outbound.start(), this.inbound.start()]);
  }

  /** Puts `count` records (ids 1..count) into the source's FIFO at once. */
  fill(count: number): void {
    this.source.records.push(...makeRecords(count));
  }

  /** Each node's raw log lines, every incarnation, for a look after a failed run. */
  logs(): Record<string, string[]> {
    return Object.fromEntries(
      this.nodes.map((n) => [n.name, n.runs.flatMap((r, i) => [`--- run ${i + 1}`, ...r.raw])]),
    );
  }

  private node(name: string): ChaosNode {
    const found = this.nodes.find((n) => n.name === name);
    if (found === undefined) throw new Error(`no ${name} node`);
    return found;
  }

  get broker(): ChaosNode {
    return this.node('broker');
  }

  get outbound(): ChaosNode {
    return this.node('outbound');
  }

  get inbound(): ChaosNode {
    return this.node('inbound');
  }

  /** What the nemesis may kill: the three nodes and the two endpoint processes. */
  targets(): ChaosTarget[] {
    const node = (n: ChaosNode): ChaosTarget => ({
      name: `${n.name} node`,
      kill: () => n.kill9(),
      restart: () => n.start(),
    });
    const endpoint = (n: ChaosNode): ChaosTarget => ({
      name: `${n.name} endpoint`,
      kill: async () => {
        const pid = n.endpointPid();
        if (pid === undefined) return undefined;
        process.kill(pid, 'SIGKILL');
        while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 10));
        return `pid ${pid}`;
      },
    });
    return [
      node(this.broker),
      node(this.outbound),
      node(this.inbound),
      endpoint(this.outbound),
      endpoint(this.inbound),
    ];
  }

  /** Nodes stopped, every process of the projects killed, folders and systems removed. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.current?.stop(10_000) ?? Promise.resolve(null)));
    const dirs = this.projects.map((p) => p.dir);
    for (let i = 0; i < 100 && ownProcesses(dirs).some(alive); i += 1) {
      killAll(dirs);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.off('exit', this.onExit);
    await Promise.all(this.projects.map((p) => p[Symbol.asyncDispose]()));
    await this.source.close();
    await this.target.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
