/**
 * A real Prometheus (Debian's package) for the end-to-end tests: the shipped scrape config
 * (docs/prometheus/prometheus.yml) pointed at a node's `/sd/prometheus`, with a 1 s scrape and
 * discovery refresh, its own temporary storage, on a free loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROMETHEUS_BIN } from '../../support/binaries.js';
import { freePort } from '../../support/ports.js';

const SHIPPED_CONFIG = new URL('../../../docs/prometheus/prometheus.yml', import.meta.url);
const SHIPPED_SD_URL = 'http://127.0.0.1:9464/sd/prometheus';

export interface PromSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The shipped config with `sdUrl` as its discovery URL and every interval at 1 s. */
export async function scrapeConfig(sdUrl: string): Promise<string> {
  const shipped = await readFile(SHIPPED_CONFIG, 'utf8');
  if (!shipped.includes(SHIPPED_SD_URL)) {
    throw new Error(`${SHIPPED_CONFIG.pathname} no longer names ${SHIPPED_SD_URL}`);
  }
  return shipped
    .replace(SHIPPED_SD_URL, sdUrl)
    .replace(/(scrape_interval|evaluation_interval|refresh_interval): \d+s/g, '$1: 1s');
}

export class Prometheus implements AsyncDisposable {
  private readonly output: string[] = [];

  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString('utf8'));
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  static async start(sdUrl: string): Promise<Prometheus> {
    const dir = await mkdtemp(join(tmpdir(), 'aes-prometheus-'));
    const config = join(dir, 'prometheus.yml');
    await writeFile(config, await scrapeConfig(sdUrl));
    const port = await freePort();
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const prometheus = new Prometheus(`http://127.0.0.1:${port}`, child, dir);
    try {
      await prometheus.waitFor('ready', async () => {
        const res = await fetch(`${prometheus.url}/-/ready`, {
          signal: AbortSignal.timeout(2_000),
        });
        return res.ok;
      });
    } catch (err) {
      await prometheus.close();
      throw err;
    }
    return prometheus;
  }

  /** An instant query through the HTTP API. */
  async query(expr: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error ?? res.status}`);
    return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Polls `check` until it holds; the error names `what` and Prometheus' last output lines. */
  async waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      try {
        if (await check()) return;
      } catch (err) {
        last = err;
      }
      if (this.child.exitCode !== null) {
        throw new Error(`prometheus exited (${this.child.exitCode}):\n${this.output.join('')}`);
      }
      if (Date.now() > until) {
        throw new Error(
          `prometheus: not ${what} within ${timeoutMs} ms (${String(last)}):\n${this.output.join('')}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
