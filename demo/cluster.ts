/**
 * The demo's three-node cluster, each node an `AesNode` in this process with its own project
 * folder under the demo's folder (config file, endpoints folder, data, log):
 *
 * - `hub` runs the embedded broker and no endpoint; the others join the cluster through it;
 * - `sender` runs the outbound endpoint `demo-out` (source system → queue);
 * - `receiver` runs the inbound endpoint `demo-in` (queue → target system).
 *
 * Every endpoint is its own supervised OS process, as under `aes run`. Ports 0 are replaced in
 * the config files by the ports taken, so `aes status -c <folder>/hub/aes.config.json` works.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { makeDir } from '../util/index.js';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AesNode,
  createLogger,
  loadConfig,
  loggerOptionsFromEnv,
  type Logger,
} from '../runtime/node/index.js';
import type { DemoPorts } from './options.js';

export const DEMO_QUEUE = '/queue/demo';
export const DEMO_OUTBOUND = 'demo-out';
export const DEMO_INBOUND = 'demo-in';
const LOOPBACK = '127.0.0.1';
/** Loading an endpoint (tsx, a WSDL) on a busy machine can take a while. */
const DEMO_START_LIMIT_MS = 120_000;

export type DemoRole = 'broker' | 'outbound' | 'inbound';

export interface DemoNode {
  readonly name: string;
  readonly role: DemoRole;
  readonly node: AesNode;
  readonly configFile: string;
  readonly logFile: string;
  /** The endpoint it runs, if any. */
  readonly endpoint: string | undefined;
}

export interface DemoClusterSpec {
  readonly dir: string;
  readonly ports: DemoPorts;
  readonly sourceUrl: string;
  readonly targetUrl: string;
}

interface NodePlan {
  readonly name: string;
  readonly role: DemoRole;
  readonly endpoint?: { readonly name: string; readonly entry: string };
}

/** The module holding the endpoint factories, `.ts` from source and `.js` built. */
const ENDPOINTS_MODULE = new URL(
  `./endpoints${extname(fileURLToPath(import.meta.url))}`,
  import.meta.url,
).href;

function entryModule(factory: 'outboundEntry' | 'inboundEntry', options: object): string {
  return [
    `// aes demo: this endpoint's class and WSDL ship with aes (docs/demo.md).`,
    `import { ${factory} } from ${JSON.stringify(ENDPOINTS_MODULE)};`,
    `export default ${factory}(${JSON.stringify(options, null, 2)});`,
    '',
  ].join('\n');
}

function portOf(url: string): number {
  return Number(new URL(url.replace(/^\w+:/, 'http:')).port);
}

/** A cluster of three nodes; `close()` stops them (endpoints drained first, the broker last). */
export class DemoCluster {
  private closing: Promise<void> | undefined;

  private constructor(
    readonly nodes: readonly DemoNode[],
    private readonly logs: readonly WriteStream[],
  ) {}

  static async start(spec: DemoClusterSpec): Promise<DemoCluster> {
    const secret = randomBytes(24).toString('base64url');
    const plans: NodePlan[] = [
      { name: 'hub', role: 'broker' },
      {
        name: 'sender',
        role: 'outbound',
        endpoint: {
          name: DEMO_OUTBOUND,
          entry: entryModule('outboundEntry', { sourceUrl: spec.sourceUrl, queue: DEMO_QUEUE }),
        },
      },
      {
        name: 'receiver',
        role: 'inbound',
        endpoint: {
          name: DEMO_INBOUND,
          entry: entryModule('inboundEntry', { targetUrl: spec.targetUrl, queue: DEMO_QUEUE }),
        },
      },
    ];
    const nodes: DemoNode[] = [];
    const logs: WriteStream[] = [];
    const cluster = new DemoCluster(nodes, logs);
    try {
      let hub: { cluster: string; broker: string } | undefined;
      for (const [i, plan] of plans.entries()) {
        const ports = spec.ports.nodes[i] ?? { cluster: 0, http: 0 };
        const folder = join(spec.dir, plan.name);
        await makeDir(folder);
        if (plan.endpoint !== undefined) {
          const dir = join(folder, 'endpoints', plan.endpoint.name);
          await makeDir(dir);
          await writeFile(join(dir, 'index.mjs'), plan.endpoint.entry);
        }
        const config = (clusterPort: number, httpPort: number, brokerPort: number) => ({
          node: plan.name,
          dataDir: 'data',
          cluster: {
            host: LOOPBACK,
            port: clusterPort,
            secret,
            ...(hub === undefined ? {} : { seeds: [hub.cluster] }),
          },
          http: { host: LOOPBACK, port: httpPort },
          broker:
            hub === undefined
              ? { embedded: { host: LOOPBACK, port: brokerPort } }
              : { urls: [hub.broker] },
          endpoints: { defaults: { startLimitMs: DEMO_START_LIMIT_MS } },
        });
        const configFile = join(folder, 'aes.config.json');
        const write = (c: object) => writeFile(configFile, `${JSON.stringify(c, null, 2)}\n`);
        await write(config(ports.cluster, ports.http, spec.ports.broker));
        const logFile = join(folder, 'node.log');
        const stream = createWriteStream(logFile, { flags: 'a' });
        logs.push(stream);
        const logger: Logger = createLogger({
          ...loggerOptionsFromEnv(),
          format: 'json',
          stream,
        });
        const node = await AesNode.start(await loadConfig(configFile), { logger });
        nodes.push({
          name: plan.name,
          role: plan.role,
          node,
          configFile,
          logFile,
          endpoint: plan.endpoint?.name,
        });
        const brokerUrl = node.brokers[0] ?? '';
        // The ports taken, so the file says where the node is (for `aes status -c <file>`).
        await write(
          config(
            portOf(node.address),
            portOf(node.httpUrl),
            hub === undefined ? portOf(brokerUrl) : 0,
          ),
        );
        hub ??= { cluster: node.address.replace(/^tcp:\/\//, ''), broker: brokerUrl };
      }
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  /** Pids of every endpoint process alive now (for a forced stop). */
  endpointPids(): number[] {
    return this.nodes.flatMap((n) => n.node.endpointPids());
  }

  /** Stops the endpoint nodes (draining their endpoints), then the hub and its broker. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const [hub, ...others] = this.nodes;
      await Promise.allSettled(others.map((n) => n.node.close()));
      await hub?.node.close();
      await Promise.allSettled(
        this.logs.map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
      );
    })();
    return this.closing;
  }
}
