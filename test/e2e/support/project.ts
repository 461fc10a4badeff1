/**
 * Projects and nodes for the end-to-end tests: a temporary project folder (aes.config.json and an
 * endpoints folder whose entry modules re-export the fixtures) and `aes run` as a real process,
 * run from source, its JSON log lines collected.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The CLI's entry, run from source. */
export const AES_CLI = fileURLToPath(new URL('../../../cli/run.ts', import.meta.url));
// Resolved here: `--import tsx` alone would be looked up from the project folder.
export const TSX = import.meta.resolve('tsx');
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

export interface ProjectSpec {
  readonly node: string;
  /** Endpoint name → fixture file name in test/e2e/fixtures (e.g. `orders-out.ts`). */
  readonly endpoints: Readonly<Record<string, string>>;
  /** Merged into aes.config.json. */
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface Project extends AsyncDisposable {
  readonly dir: string;
  readonly configFile: string;
}

export async function makeProject(spec: ProjectSpec): Promise<Project> {
  const dir = await mkdtemp(join(tmpdir(), 'aes-e2e-'));
  for (const [name, fixture] of Object.entries(spec.endpoints)) {
    await mkdir(join(dir, 'endpoints', name), { recursive: true });
    await writeFile(
      join(dir, 'endpoints', name, 'index.ts'),
      `export { default } from ${JSON.stringify(join(FIXTURES, fixture))};\n`,
    );
  }
  const configFile = join(dir, 'aes.config.json');
  const endpointsConfig = (spec.config?.endpoints ?? {}) as { defaults?: object };
  await writeFile(
    configFile,
    JSON.stringify(
      {
        node: spec.node,
        cluster: { port: 0 },
        http: { port: 0 },
        broker: { embedded: { port: 0 } },
        ...spec.config,
        // Loading an endpoint (tsx, WSDLs) on a loaded machine can take long; a hang is tested apart.
        endpoints: {
          ...endpointsConfig,
          defaults: { startLimitMs: 120_000, ...endpointsConfig.defaults },
        },
      },
      null,
      2,
    ),
  );
  return {
    dir,
    configFile,
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs `aes <args>` from source in `cwd`. */
export function runAes(
  args: readonly string[],
  cwd: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', TSX, AES_CLI, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface LogLine {
  readonly level: string;
  readonly msg: string;
  readonly endpoint?: string;
  readonly [field: string]: unknown;
}

/**
 * Matches the line of endpoint `endpoint`'s process once it runs the endpoint: broker connected,
 * entry module loaded (and, placed by lease, its fence opened). A warm standby's process is
 * running for its supervisor long before (`starting -> running`), and says this only once it
 * took the lease over.
 */
export const runningLine =
  (endpoint: string) =>
  (l: LogLine): boolean =>
    l.endpoint === endpoint && l.msg === 'broker connected; entry module loaded';

/** `aes run` as a child process. */
export class RunningNode implements AsyncDisposable {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    readonly project: Project,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
      this.raw.push(line);
      try {
        this.lines.push(JSON.parse(line) as LogLine);
      } catch {
        // not a log record (a stack trace): kept in `raw`
      }
    });
    child.stdout?.resume();
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  /** `aes run` started, not waited for: its log lines arrive in `lines` as it starts. */
  static spawn(name: string, project: Project, env: NodeJS.ProcessEnv = {}): RunningNode {
    const child = spawn(process.execPath, ['--import', TSX, AES_CLI, 'run', project.configFile], {
      cwd: project.dir,
      env: { ...process.env, AES_LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new RunningNode(name, project, child);
  }

  static async start(
    name: string,
    project: Project,
    env: NodeJS.ProcessEnv = {},
  ): Promise<RunningNode> {
    const node = RunningNode.spawn(name, project, env);
    await node.waitLine('node started', (l) => l.msg.startsWith('node started'), 60_000);
    return node;
  }

  /** The pids of the endpoint processes this node started, in order (`starting -> running`). */
  endpointPids(): number[] {
    return this.lines
      .filter((l) => l.msg === 'starting -> running' && typeof l.reason === 'string')
      .map((l) => Number(String(l.reason).replace('pid ', '')));
  }

  /** A field of the first line with that message (e.g. the cluster address). */
  field(msg: string, field: string): string {
    const value = this.lines.find((l) => l.msg === msg)?.[field];
    return typeof value === 'string' ? value : '';
  }

  async waitLine(
    what: string,
    match: (line: LogLine) => boolean,
    timeoutMs = 30_000,
  ): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      if (this.exitCode !== undefined) {
        throw new Error(`${this.name} exited (${this.exitCode}) before ${what}:\n${this.tail()}`);
      }
      if (Date.now() > until)
        throw new Error(`${this.name}: no ${what} within ${timeoutMs} ms:\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  tail(n = 40): string {
    return this.raw.slice(-n).join('\n');
  }

  /** `aes <args> -c <this project's config>` from source. */
  cli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    return runAes([...args, '-c', this.project.configFile], this.project.dir);
  }

  /** SIGTERM, and the exit code after the drain. */
  async stop(timeoutMs = 60_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop().then(() => undefined);
  }
}
