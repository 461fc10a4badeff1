/**
 * What the mock answers: scripted responses, sequences, faults and delays per operation, the FIFO
 * (pop / popped / build) and the recording put, with the state tests read to check exactly-once
 * delivery. Independent of HTTP and node-soap: `answer()` takes parsed request arguments.
 */
import { debuglog } from 'node:util';
import { createRng, hashSeed, type Rng } from './rng.js';
import type { SoapValue } from './sample.js';
import type {
  FailSpec,
  FaultSpec,
  ScriptedFifoRecord,
  MockScript,
  OperationScript,
  ResponseItem,
  ScriptedOperation,
} from './script.js';

const trace = debuglog('aes-mock');

export type Answer =
  | { readonly kind: 'response'; readonly body: SoapValue }
  | { readonly kind: 'fault'; readonly fault: FaultSpec };

/** One call the put operation accepted. */
export interface ReceivedCall {
  /** The id at `put.idField`, when configured and present. */
  readonly id: string | undefined;
  readonly request: unknown;
  readonly at: string;
}

/** A snapshot of what the mock saw; served as JSON at `GET /_aes/mock/state` (null: not scripted). */
export interface MockState {
  /** Calls per operation, faults included. */
  readonly calls: Readonly<Record<string, number>>;
  /** Scripted faults answered per operation. */
  readonly faults: Readonly<Record<string, number>>;
  readonly fifo: {
    /** Ids still in the FIFO, head first. */
    readonly remaining: readonly string[];
    /** Ids removed by popped, in order. */
    readonly popped: readonly string[];
    /** Popped calls for ids not (or no longer) in the FIFO. */
    readonly poppedUnknown: readonly string[];
    readonly pops: number;
    readonly builds: number;
  } | null;
  readonly put: {
    readonly received: readonly ReceivedCall[];
    /** Distinct ids received, in first-received order. */
    readonly ids: readonly string[];
    /** Ids received more than once (one entry per extra delivery). */
    readonly duplicates: readonly string[];
    readonly failed: number;
  } | null;
}

const DEFAULT_FAULT: FaultSpec = { code: 'Server', string: 'mock: scripted failure' };

/**
 * Reads a dot path; a string holding a JSON object on the way is parsed and descended into, a list
 * on the way (or at the end) gives its first item.
 */
export function getPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const seg of path.split('.')) {
    if (Array.isArray(cur)) cur = cur[0] as unknown;
    if (typeof cur === 'string') {
      try {
        cur = JSON.parse(cur) as unknown;
      } catch {
        return undefined;
      }
    }
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
    // node-soap gives `{ $value, attributes }` for an element with attributes.
    if (typeof cur === 'object' && cur !== null && '$value' in cur) cur = cur.$value;
  }
  return Array.isArray(cur) ? (cur[0] as unknown) : cur;
}

/**
 * Sets a dot path, making the objects on the way; a list on the way keeps its first item only (one
 * record per response, in the list's place).
 */
function setPath(target: Record<string, SoapValue>, path: string, value: SoapValue): void {
  const segs = path.split('.');
  let cur = target;
  for (const seg of segs.slice(0, -1)) {
    let next = cur[seg];
    if (Array.isArray(next)) {
      const first = next[0];
      next = typeof first === 'object' && !Array.isArray(first) ? first : {};
      cur[seg] = [next];
    }
    if (typeof next === 'object' && !Array.isArray(next)) cur = next;
    else {
      const fresh: Record<string, SoapValue> = {};
      cur[seg] = fresh;
      cur = fresh;
    }
  }
  cur[segs[segs.length - 1] ?? ''] = value;
}

function deletePath(target: Record<string, SoapValue>, path: string): void {
  const segs = path.split('.');
  let cur: SoapValue | undefined = target;
  for (const seg of segs.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[0];
    cur = typeof cur === 'object' && !Array.isArray(cur) ? cur[seg] : undefined;
  }
  if (Array.isArray(cur)) cur = cur[0];
  if (typeof cur === 'object' && !Array.isArray(cur))
    Reflect.deleteProperty(cur, segs[segs.length - 1] ?? '');
}

function asObject(v: SoapValue): Record<string, SoapValue> {
  return typeof v === 'object' && !Array.isArray(v) ? structuredClone(v) : {};
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  return undefined;
}

export class MockBehaviour {
  readonly #script: MockScript;
  readonly #sample: (operation: string) => SoapValue;
  readonly #seed: number;
  readonly #calls = new Map<string, number>();
  readonly #faults = new Map<string, number>();
  readonly #rngs = new Map<string, Rng>();
  readonly #fifo: ScriptedFifoRecord[];
  readonly #popped: string[] = [];
  readonly #poppedUnknown: string[] = [];
  readonly #counts = { pops: 0, builds: 0 };
  readonly #received: ReceivedCall[] = [];
  readonly #receivedIds = new Set<string>();
  readonly #duplicates: string[] = [];
  #putFailed = 0;
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #closed = false;

  /** `sample(op)` is the schema-valid sample response of `op`. */
  constructor(script: MockScript, sample: (operation: string) => SoapValue, seed: number) {
    this.#script = script;
    this.#sample = sample;
    this.#seed = seed;
    this.#fifo = [...(script.fifo?.records ?? [])];
  }

  /** Appends records to the FIFO (ids must not be in it already). */
  pushRecords(records: readonly ScriptedFifoRecord[]): void {
    for (const r of records) {
      if (this.#fifo.some((x) => x.id === r.id))
        throw new Error(`record id '${r.id}' is already in the FIFO`);
      this.#fifo.push(r);
    }
  }

  state(): MockState {
    const fifo = this.#script.fifo;
    const put = this.#script.put;
    return structuredClone({
      calls: Object.fromEntries(this.#calls),
      faults: Object.fromEntries(this.#faults),
      fifo:
        fifo === undefined
          ? null
          : {
              remaining: this.#fifo.map((r) => r.id),
              popped: this.#popped,
              poppedUnknown: this.#poppedUnknown,
              pops: this.#counts.pops,
              builds: this.#counts.builds,
            },
      put:
        put === undefined
          ? null
          : {
              received: this.#received,
              ids: [...this.#receivedIds],
              duplicates: this.#duplicates,
              failed: this.#putFailed,
            },
    });
  }

  /** Ends pending delays at once (their calls are answered); idempotent. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.#timers.clear();
  }

  async #delay(ms: number | undefined): Promise<void> {
    if (ms === undefined || ms <= 0 || this.#closed) return;
    await new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(entry);
    });
  }

  #failNow(op: string, call: number, fail: FailSpec | undefined): FaultSpec | undefined {
    if (fail === undefined) return undefined;
    if (fail.first !== undefined && call <= fail.first) return fail.fault ?? DEFAULT_FAULT;
    if (fail.share !== undefined && fail.share > 0) {
      let rng = this.#rngs.get(op);
      if (rng === undefined) {
        rng = createRng(hashSeed(this.#seed, `fail:${op}`));
        this.#rngs.set(op, rng);
      }
      if (rng.next() < fail.share) return fail.fault ?? DEFAULT_FAULT;
    }
    return undefined;
  }

  #fault(op: string, fault: FaultSpec): Answer {
    this.#faults.set(op, (this.#faults.get(op) ?? 0) + 1);
    trace('%s: fault %s %s', op, fault.code, fault.string);
    return { kind: 'fault', fault };
  }

  /** Answers one call of `op` with request arguments `args` (node-soap's parsed object). */
  async answer(op: string, args: unknown): Promise<Answer> {
    const call = (this.#calls.get(op) ?? 0) + 1;
    this.#calls.set(op, call);
    const s = this.#script;
    const fifo = s.fifo;
    if (fifo !== undefined && op === fifo.pop.operation)
      return this.#scripted(op, call, fifo.pop, () => this.#pop());
    if (fifo !== undefined && op === fifo.popped.operation)
      return this.#scripted(op, call, fifo.popped, () => this.#markPopped(args));
    if (fifo?.build !== undefined && op === fifo.build.operation)
      return this.#scripted(op, call, fifo.build, () => this.#build(args));
    if (s.put !== undefined && op === s.put.operation) {
      const put = s.put;
      const answer = await this.#scripted(op, call, put, () => this.#put(put, args));
      if (answer.kind === 'fault') this.#putFailed += 1;
      return answer;
    }
    const script = s.operations[op];
    if (script === undefined) return { kind: 'response', body: this.#sample(op) };
    return this.#operation(op, call, script);
  }

  async #scripted(
    op: string,
    call: number,
    spec: ScriptedOperation,
    run: () => Answer,
  ): Promise<Answer> {
    await this.#delay(spec.delayMs);
    const fault = this.#failNow(op, call, spec.fail);
    if (fault !== undefined) return this.#fault(op, fault);
    return run();
  }

  async #operation(op: string, call: number, script: OperationScript): Promise<Answer> {
    const fault = this.#failNow(op, call, script.fail);
    let item: ResponseItem = script;
    const list = script.responses;
    if (list !== undefined && list.length > 0) {
      const i = call - 1;
      const after = script.afterLast ?? 'repeat';
      if (i < list.length) item = list[i] ?? {};
      else if (after === 'cycle') item = list[i % list.length] ?? {};
      else if (after === 'repeat') item = list[list.length - 1] ?? {};
      else item = {};
    }
    await this.#delay(item.delayMs ?? script.delayMs);
    if (fault !== undefined) return this.#fault(op, fault);
    if (item.fault !== undefined) return this.#fault(op, item.fault);
    return { kind: 'response', body: item.response ?? this.#sample(op) };
  }

  #base(spec: ScriptedOperation): Record<string, SoapValue> {
    return asObject(spec.response ?? this.#sample(spec.operation));
  }

  #pop(): Answer {
    const pop = this.#script.fifo?.pop;
    if (pop === undefined) return { kind: 'response', body: {} };
    this.#counts.pops += 1;
    const head = this.#fifo[0];
    if (head === undefined) {
      if (pop.empty !== undefined) return { kind: 'response', body: pop.empty };
      const body = this.#base(pop);
      deletePath(body, pop.idField);
      if (pop.payloadField !== undefined) deletePath(body, pop.payloadField);
      return { kind: 'response', body };
    }
    // The head stays in the FIFO until popped names it: pop again and you get it again.
    const body = this.#base(pop);
    setPath(body, pop.idField, head.id);
    if (pop.payloadField !== undefined)
      setPath(body, pop.payloadField, payloadValue(head.payload, pop.payloadFormat));
    trace('pop -> %s', head.id);
    return { kind: 'response', body };
  }

  #markPopped(args: unknown): Answer {
    const popped = this.#script.fifo?.popped;
    if (popped === undefined) return { kind: 'response', body: {} };
    const id = idOf(getPath(args, popped.idField));
    if (id === undefined)
      return this.#fault(popped.operation, {
        code: 'Client',
        string: `mock: no id at '${popped.idField}' in the ${popped.operation} request`,
      });
    const at = this.#fifo.findIndex((r) => r.id === id);
    if (at < 0) this.#poppedUnknown.push(id);
    else {
      this.#fifo.splice(at, 1);
      this.#popped.push(id);
    }
    trace('popped %s%s', id, at < 0 ? ' (unknown)' : '');
    return { kind: 'response', body: this.#base(popped) };
  }

  #build(args: unknown): Answer {
    const build = this.#script.fifo?.build;
    if (build === undefined) return { kind: 'response', body: {} };
    this.#counts.builds += 1;
    const id = idOf(getPath(args, build.idField));
    const record = id === undefined ? undefined : this.#fifo.find((r) => r.id === id);
    if (record === undefined)
      return this.#fault(build.operation, {
        code: 'Client',
        string: `mock: no record '${id ?? ''}' in the FIFO (from '${build.idField}' of the ${build.operation} request)`,
      });
    const body = this.#base(build);
    setPath(body, build.payloadField, payloadValue(record.payload, build.payloadFormat));
    return { kind: 'response', body };
  }

  #put(put: ScriptedOperation, args: unknown): Answer {
    const id = put.idField === undefined ? undefined : idOf(getPath(args, put.idField));
    if (id !== undefined) {
      if (this.#receivedIds.has(id)) this.#duplicates.push(id);
      else this.#receivedIds.add(id);
    }
    this.#received.push({ id, request: args, at: new Date().toISOString() });
    trace('put %s', id ?? '(no id)');
    return { kind: 'response', body: this.#base(put) };
  }
}

function payloadValue(payload: unknown, format: 'json' | 'object' | undefined): SoapValue {
  if (format === 'object') return toSoap(payload);
  return typeof payload === 'string' ? payload : JSON.stringify(payload);
}

function toSoap(v: unknown): SoapValue {
  if (Array.isArray(v)) return v.map(toSoap);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toSoap(x)]));
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}
