/**
 * Real SOAP systems on loopback (node-soap servers, port 0) for the runtime tests: a source
 * system with a FIFO (Pop / Popped / PoppedMany / Build) and a target system (Put) that can fail a share of
 * calls. They record every call so tests can check what reached them and in which order. Both can
 * answer every call after a delay (`delayMs`), as real systems that take 10–50 ms a call do.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { listen, type IServices } from 'soap';
import { seededRandom } from '../../support/random.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);

/** node-soap's server answers an error carrying `Fault` with a SOAP fault. */
class SoapFault extends Error {
  readonly Fault: { readonly faultcode: string; readonly faultstring: string };
  constructor(message: string) {
    super(message);
    this.Fault = { faultcode: 'soap:Server', faultstring: message };
  }
}

function fault(message: string): SoapFault {
  return new SoapFault(message);
}

/** Where a system listens: its address, and the name its URL gives (for `0.0.0.0`, a host name). */
export interface ListenOn {
  readonly host: string;
  readonly advertise: string;
}

const LOOPBACK: ListenOn = { host: '127.0.0.1', advertise: '127.0.0.1' };

/** A call as the system's HTTP server saw it: when, and from which address. */
export interface SystemRequest {
  readonly at: number;
  readonly from: string;
}

async function serve(
  path: string,
  wsdlFile: string,
  services: Record<string, unknown>,
  on: ListenOn = LOOPBACK,
): Promise<{ server: Server; url: string; requests: SystemRequest[] }> {
  const wsdl = await readFile(new URL(wsdlFile, FIXTURES), 'utf8');
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, on.host, resolve));
  // node-soap installs its request listener once the WSDL is parsed (replacing any before it).
  await new Promise<void>((resolve, reject) =>
    listen(server, path, services as IServices, wsdl, (err: unknown) =>
      err
        ? reject(err instanceof Error ? err : new Error('node-soap could not serve the WSDL'))
        : resolve(),
    ),
  );
  const requests: SystemRequest[] = [];
  // Before node-soap's own listener: when each request arrived (for `delayed`), and from where.
  server.prependListener('request', (req: IncomingMessage) => {
    arrivals.set(req, performance.now());
    if (req.method === 'POST') {
      requests.push({ at: Date.now(), from: req.socket.remoteAddress ?? '?' });
    }
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${on.advertise}:${port}${path}`, requests };
}

/** When each request arrived (its headers were read), stamped before node-soap sees it. */
const arrivals = new WeakMap<IncomingMessage, number>();

/**
 * `handler`, answering `delayMs` after the request arrived when `delayMs` > 0: the system takes
 * that long in total, as a real system "answering in 20 ms" does, however long node-soap took to
 * read the request. The delay comes first, then the call takes effect (a pop is recorded, a put
 * accepted) and is answered at once, as `aes mock` does with the `delayMs` of a scripted
 * operation (fifo.pop, fifo.popped, fifo.build, put). Without a delay the handler is left as it
 * is, so the systems behave as before for existing callers.
 */
function delayed<A, R>(
  delayMs: number,
  handler: (args: A) => R,
): (args: A, callback?: unknown, headers?: unknown, req?: IncomingMessage) => R | Promise<R> {
  if (delayMs <= 0) return handler;
  return async (args, _callback, _headers, req) => {
    const arrived = (req === undefined ? undefined : arrivals.get(req)) ?? performance.now();
    const left = arrived + delayMs - performance.now();
    if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    return await handler(args);
  };
}

/** A delay as an option: a finite number of ms >= 0 (absent: 0). */
function delayOf(delayMs: number | undefined): number {
  const ms = delayMs ?? 0;
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`delayMs must be >= 0, got ${ms}`);
  return ms;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export interface SourceRecord {
  readonly id: string;
  readonly payload: unknown;
}

/** Makes `count` records with ids 1..count and small JSON payloads. */
export function makeRecords(count: number, from = 1): SourceRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    id: String(from + i),
    payload: { n: from + i, text: `record ${from + i}`, tags: ['a', 'ü'] },
  }));
}

export interface SourceHooks {
  /**
   * Called for every id a Popped or PoppedMany call marks, before it takes effect, with the
   * running count of such ids (1 for the first); a rejection (or a thrown error) becomes a SOAP
   * fault, a promise that does not settle keeps the call hanging.
   */
  popped?(id: string, call: number): Promise<void> | void;
}

export interface SourceOptions extends SourceHooks {
  /** Every call (Pop, Popped, PoppedMany, Build) is answered this much later. @defaultValue 0 */
  readonly delayMs?: number;
  /** @defaultValue 127.0.0.1 */
  readonly listen?: ListenOn;
}

/**
 * The source system: a FIFO of records, oldest first; Popped removes the head, PoppedMany
 * several records from the head, in order (idempotent: ids already popped are accepted).
 */
export class SourceSystem {
  readonly records: SourceRecord[];
  /** Index of the oldest record not yet popped. */
  head = 0;
  readonly calls = { pop: 0, popped: 0, poppedMany: 0, build: 0 };
  /** Ids handed out by Pop more than once (a re-pop after the record was handed out before). */
  repops = 0;
  /**
   * The source's own record of what it handed out (`pop`, once per record a Pop call returned)
   * and saw popped (`popped`, when the mark took effect: the first time only), with times.
   */
  readonly history: { readonly at: number; readonly op: 'pop' | 'popped'; readonly id: string }[] =
    [];
  /** Ids marked by Popped and PoppedMany so far (each call of the `popped` hook counts one). */
  private marks = 0;
  private readonly handedOut = new Set<string>();

  private constructor(
    records: SourceRecord[],
    private readonly server: Server,
    readonly url: string,
    readonly hooks: SourceHooks,
    /** Every call, with when and from which address. */
    readonly requests: readonly SystemRequest[],
  ) {
    this.records = records;
  }

  static async start(records: SourceRecord[], options: SourceOptions = {}): Promise<SourceSystem> {
    const holder: { system?: SourceSystem } = {};
    const delayMs = delayOf(options.delayMs);
    const port = {
      Pop: delayed(delayMs, (args: { max?: number | string; idsOnly?: boolean | string }) => {
        const self = holder.system as SourceSystem;
        self.calls.pop += 1;
        const max = Number(args.max ?? 1);
        const idsOnly = args.idsOnly === true || args.idsOnly === 'true';
        const slice = self.records.slice(self.head, self.head + max);
        for (const r of slice) {
          if (self.handedOut.has(r.id)) self.repops += 1;
          self.handedOut.add(r.id);
          self.history.push({ at: Date.now(), op: 'pop', id: r.id });
        }
        return {
          record: slice.map((r) => ({
            id: r.id,
            payload: idsOnly ? '' : JSON.stringify(r.payload),
          })),
        };
      }),
      Build: delayed(delayMs, (args: { id: string }) => {
        const self = holder.system as SourceSystem;
        self.calls.build += 1;
        const record = self.records.find((r) => r.id === args.id);
        if (record === undefined) throw fault(`no record ${args.id}`);
        return { document: JSON.stringify(record.payload) };
      }),
      Popped: delayed(delayMs, async (args: { id: string }) => {
        const self = holder.system as SourceSystem;
        self.calls.popped += 1;
        await self.mark(args.id);
        return { ok: true };
      }),
      // In order, stopping at the first id that fails: those before it stay popped.
      PoppedMany: delayed(delayMs, async (args: { id?: string | string[] }) => {
        const self = holder.system as SourceSystem;
        self.calls.poppedMany += 1;
        const ids = args.id === undefined ? [] : Array.isArray(args.id) ? args.id : [args.id];
        for (const id of ids) await self.mark(id);
        return { ok: true };
      }),
    };
    const { server, url, requests } = await serve(
      '/source',
      'source.wsdl',
      { FifoService: { FifoPort: port } },
      options.listen,
    );
    holder.system = new SourceSystem(records, server, url, options, requests);
    return holder.system;
  }

  /** Marks `id` popped: it must be the head of the FIFO, or popped before (idempotent). */
  private async mark(id: string): Promise<void> {
    this.marks += 1;
    try {
      await this.hooks.popped?.(id, this.marks);
    } catch (err) {
      throw fault((err as Error).message);
    }
    const index =
      this.records[this.head]?.id === id ? this.head : this.records.findIndex((r) => r.id === id);
    if (index === this.head) {
      this.head += 1;
      this.history.push({ at: Date.now(), op: 'popped', id });
    } else if (index < 0 || index > this.head) {
      throw fault(`record ${id} is not at the head of the FIFO`);
    }
    // index < head: already popped.
  }

  /** Records not popped yet. */
  get remaining(): number {
    return this.records.length - this.head;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}

interface WireItem {
  readonly messageId: string;
  readonly payload: string;
}

export interface TargetOptions {
  /** Share of Put calls answered with a fault, decided by a seeded generator. */
  readonly failRate?: number;
  readonly seed?: number;
  /** Message ids whose Put always fails. */
  readonly alwaysFail?: ReadonlySet<string>;
  /** Every call (Put, PutMany, Has) is answered this much later. @defaultValue 0 */
  readonly delayMs?: number;
  /** @defaultValue 127.0.0.1 */
  readonly listen?: ListenOn;
}

/**
 * The target system: accepts Put(messageId, payload) and keeps what it accepted, in order, with
 * the time (`at`, `Date.now()`) it accepted it. It accepts records in any order (it never
 * compares a record with the ones before it), so it stands for an unordered target too: the one
 * an inbound endpoint may put to with several puts in flight.
 */
export class TargetSystem {
  readonly accepted: { messageId: string; payload: unknown; at: number }[] = [];
  readonly calls = { put: 0, putMany: 0, failed: 0, has: 0 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    /** Every call, with when and from which address. */
    readonly requests: readonly SystemRequest[],
  ) {}

  static async start(options: TargetOptions = {}): Promise<TargetSystem> {
    const holder: { system?: TargetSystem } = {};
    // Seeded, so that a failing run can be replayed.
    const random = seededRandom(options.seed ?? 42);
    const refuses = (messageId: string) =>
      options.alwaysFail?.has(messageId) === true || random() < (options.failRate ?? 0);
    const delayMs = delayOf(options.delayMs);
    const port = {
      Put: delayed(delayMs, (args: { messageId: string; payload: string }) => {
        const self = holder.system as TargetSystem;
        self.calls.put += 1;
        if (refuses(args.messageId)) {
          self.calls.failed += 1;
          throw fault(`target refused ${args.messageId}`);
        }
        self.accepted.push({
          messageId: args.messageId,
          payload: JSON.parse(args.payload),
          at: Date.now(),
        });
        return { ok: true };
      }),
      // All or nothing: one refused item refuses the whole call.
      PutMany: delayed(delayMs, (args: { item?: WireItem | WireItem[] }) => {
        const self = holder.system as TargetSystem;
        self.calls.putMany += 1;
        const items =
          args.item === undefined ? [] : Array.isArray(args.item) ? args.item : [args.item];
        const refused = items.find((i) => refuses(i.messageId));
        if (refused !== undefined) {
          self.calls.failed += 1;
          throw fault(`target refused ${refused.messageId}`);
        }
        for (const i of items) {
          self.accepted.push({
            messageId: i.messageId,
            payload: JSON.parse(i.payload),
            at: Date.now(),
          });
        }
        return { ok: true };
      }),
      // The target's own lookup: does it hold this message id?
      Has: delayed(delayMs, (args: { messageId: string }) => {
        const self = holder.system as TargetSystem;
        self.calls.has += 1;
        return { found: self.accepted.some((a) => a.messageId === args.messageId) };
      }),
    };
    const { server, url, requests } = await serve(
      '/target',
      'target.wsdl',
      { InboundService: { InboundPort: port } },
      options.listen,
    );
    holder.system = new TargetSystem(server, url, requests);
    return holder.system;
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }
}
