/**
 * The script file of `aes mock --script`: per-operation fixed responses, sequences, faults and
 * delays; a FIFO of records served by pop / popped (and build, double phase); a recording put. One
 * parse function validates `unknown` JSON and names the file, the JSON path and what is wrong.
 */
import { readFile } from 'node:fs/promises';
import { MockError } from './errors.js';
import type { SoapObject, SoapValue } from './sample.js';

/** A SOAP fault to answer with. `code` is `Server`/`Client` (1.1) or `Receiver`/`Sender` (1.2). */
export interface FaultSpec {
  readonly code: string;
  readonly string: string;
  /** Serialised inside `<detail>`, node-soap object shape. */
  readonly detail?: SoapObject;
  /** HTTP status of the fault response. @defaultValue 500 */
  readonly statusCode?: number;
}

/** Fail some calls: the first `first`, then a seeded `share` (0..1) of the others. */
export interface FailSpec {
  readonly first?: number;
  readonly share?: number;
  /** @defaultValue a `Server` fault "scripted failure" */
  readonly fault?: FaultSpec;
}

/** One answer: a response body (node-soap object shape), a fault, or the schema sample. */
export interface ResponseItem {
  readonly response?: SoapValue;
  readonly fault?: FaultSpec;
  readonly delayMs?: number;
}

export interface OperationScript extends ResponseItem {
  /** Answers in turn, one per call. */
  readonly responses?: readonly ResponseItem[];
  /** After the last of `responses`: repeat it (default), start over, or answer the sample. */
  readonly afterLast?: 'repeat' | 'cycle' | 'sample';
  readonly fail?: FailSpec;
}

export interface ScriptedFifoRecord {
  readonly id: string;
  readonly payload: unknown;
}

/** Common to the FIFO and put operations. */
export interface ScriptedOperation {
  readonly operation: string;
  /** Dot path of the id in the request (popped, build, put) or response (pop). */
  readonly idField?: string;
  /** The response body; the schema sample when absent. */
  readonly response?: SoapValue;
  readonly delayMs?: number;
  readonly fail?: FailSpec;
}

export interface PopScript extends ScriptedOperation {
  readonly idField: string;
  /**
   * Dot path of the payload in the response; none for double phase (build returns it), or when the
   * record is the payload as a whole (its other fields are the schema's sample data).
   */
  readonly payloadField?: string;
  /** The payload as a JSON string (default: aes message parts are JSON strings) or as XML. */
  readonly payloadFormat?: 'json' | 'object';
  /** The response when the FIFO is empty; by default `response`/sample without id and payload. */
  readonly empty?: SoapValue;
}

export interface BuildScript extends ScriptedOperation {
  readonly idField: string;
  readonly payloadField: string;
  readonly payloadFormat?: 'json' | 'object';
}

export interface FifoScript {
  /** Records, in FIFO order; `generate` appends ids "1".."N" after them. */
  readonly records: readonly ScriptedFifoRecord[];
  readonly pop: PopScript;
  readonly popped: ScriptedOperation & { readonly idField: string };
  readonly build?: BuildScript;
}

export interface MockScript {
  readonly operations: Readonly<Record<string, OperationScript>>;
  readonly fifo?: FifoScript;
  readonly put?: ScriptedOperation;
}

type Json = unknown;

class Checker {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw new MockError('MOCK_SCRIPT_INVALID', `${this.file}: ${path}: ${message}`);
  }

  object(v: Json, path: string, keys: readonly string[]): Record<string, Json> {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(path, `expected an object, got ${describe(v)}`);
    const obj = v as Record<string, Json>;
    for (const k of Object.keys(obj)) {
      if (!keys.includes(k))
        this.fail(`${path}.${k}`, `unknown key '${k}' (expected one of: ${keys.join(', ')})`);
    }
    return obj;
  }

  string(v: Json, path: string): string {
    if (typeof v !== 'string' || v === '')
      this.fail(path, `expected a non-empty string, got ${describe(v)}`);
    return v;
  }

  optString(v: Json, path: string): string | undefined {
    return v === undefined ? undefined : this.string(v, path);
  }

  number(v: Json, path: string, min: number, max: number, integer: boolean): number {
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      v < min ||
      v > max ||
      (integer && !Number.isInteger(v))
    )
      this.fail(
        path,
        `expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${describe(v)}`,
      );
    return v;
  }

  optNumber(v: Json, path: string, min: number, max: number, integer = true): number | undefined {
    return v === undefined ? undefined : this.number(v, path, min, max, integer);
  }

  soapValue(v: Json, path: string): SoapValue {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (Array.isArray(v)) return v.map((x, i) => this.soapValue(x, `${path}[${i}]`));
    if (typeof v === 'object' && v !== null) {
      const out: SoapObject = {};
      for (const [k, x] of Object.entries(v)) {
        // node-soap's xsi:type object keeps its shape.
        if (k === 'xsi_type') out[k] = x as SoapValue;
        else out[k] = this.soapValue(x, `${path}.${k}`);
      }
      return out;
    }
    return this.fail(
      path,
      `expected a response value (object, array, string, number, boolean), got ${describe(v)}`,
    );
  }

  optSoapValue(v: Json, path: string): SoapValue | undefined {
    return v === undefined ? undefined : this.soapValue(v, path);
  }

  fault(v: Json, path: string): FaultSpec {
    const o = this.object(v, path, ['code', 'string', 'detail', 'statusCode']);
    const detail =
      o['detail'] === undefined ? undefined : this.soapValue(o['detail'], `${path}.detail`);
    if (detail !== undefined && (typeof detail !== 'object' || Array.isArray(detail)))
      this.fail(`${path}.detail`, 'expected an object');
    const statusCode = this.optNumber(o['statusCode'], `${path}.statusCode`, 200, 599);
    return {
      code: this.string(o['code'], `${path}.code`),
      string: this.string(o['string'], `${path}.string`),
      ...(detail === undefined ? {} : { detail: detail }),
      ...(statusCode === undefined ? {} : { statusCode }),
    };
  }

  failSpec(v: Json, path: string): FailSpec | undefined {
    if (v === undefined) return undefined;
    const o = this.object(v, path, ['first', 'share', 'fault']);
    const first = this.optNumber(o['first'], `${path}.first`, 0, Number.MAX_SAFE_INTEGER);
    const share = this.optNumber(o['share'], `${path}.share`, 0, 1, false);
    return {
      ...(first === undefined ? {} : { first }),
      ...(share === undefined ? {} : { share }),
      ...(o['fault'] === undefined ? {} : { fault: this.fault(o['fault'], `${path}.fault`) }),
    };
  }

  item(o: Record<string, Json>, path: string): ResponseItem {
    if (o['response'] !== undefined && o['fault'] !== undefined)
      this.fail(path, "give either 'response' or 'fault', not both");
    const response = this.optSoapValue(o['response'], `${path}.response`);
    const delayMs = this.optNumber(o['delayMs'], `${path}.delayMs`, 0, 3_600_000);
    return {
      ...(response === undefined ? {} : { response }),
      ...(o['fault'] === undefined ? {} : { fault: this.fault(o['fault'], `${path}.fault`) }),
      ...(delayMs === undefined ? {} : { delayMs }),
    };
  }
}

function describe(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${JSON.stringify(v) ?? ''}`;
}

/** Checks that `op` exists; the error lists the operations that do. */
function knownOperation(c: Checker, path: string, op: string, known: readonly string[]): void {
  if (!known.includes(op))
    c.fail(path, `operation '${op}' is not in the WSDL (it has: ${[...known].sort().join(', ')})`);
}

function scripted(
  c: Checker,
  v: Json,
  path: string,
  extraKeys: readonly string[],
  idRequired: boolean,
  known: readonly string[],
): { obj: Record<string, Json>; base: ScriptedOperation } {
  const obj = c.object(v, path, [
    'operation',
    'idField',
    'response',
    'delayMs',
    'fail',
    ...extraKeys,
  ]);
  const operation = c.string(obj['operation'], `${path}.operation`);
  knownOperation(c, `${path}.operation`, operation, known);
  const idField = idRequired
    ? c.string(obj['idField'], `${path}.idField`)
    : c.optString(obj['idField'], `${path}.idField`);
  const response = c.optSoapValue(obj['response'], `${path}.response`);
  const delayMs = c.optNumber(obj['delayMs'], `${path}.delayMs`, 0, 3_600_000);
  const fail = c.failSpec(obj['fail'], `${path}.fail`);
  return {
    obj,
    base: {
      operation,
      ...(idField === undefined ? {} : { idField }),
      ...(response === undefined ? {} : { response }),
      ...(delayMs === undefined ? {} : { delayMs }),
      ...(fail === undefined ? {} : { fail }),
    },
  };
}

function payloadFormat(c: Checker, v: Json, path: string): 'json' | 'object' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'json' && v !== 'object')
    c.fail(path, `expected 'json' or 'object', got ${describe(v)}`);
  return v;
}

function parseFifo(c: Checker, v: Json, known: readonly string[]): FifoScript {
  const o = c.object(v, '$.fifo', ['records', 'generate', 'pop', 'popped', 'build']);
  const records: ScriptedFifoRecord[] = [];
  if (o['records'] !== undefined) {
    if (!Array.isArray(o['records']))
      c.fail('$.fifo.records', `expected an array, got ${describe(o['records'])}`);
    (o['records'] as Json[]).forEach((r, i) => {
      const path = `$.fifo.records[${i}]`;
      const rec = c.object(r, path, ['id', 'payload']);
      const id = rec['id'];
      if (typeof id !== 'string' && typeof id !== 'number')
        c.fail(`${path}.id`, `expected a string or number, got ${describe(id)}`);
      records.push({ id: String(id), payload: rec['payload'] ?? null });
    });
  }
  const generate = c.optNumber(o['generate'], '$.fifo.generate', 0, 10_000_000) ?? 0;
  const ids = new Set(records.map((r) => r.id));
  for (let i = 1; i <= generate; i += 1) {
    const id = String(i);
    if (ids.has(id)) c.fail('$.fifo.generate', `generated id '${id}' is also in $.fifo.records`);
    records.push({ id, payload: { n: i, text: `record ${i}` } });
  }
  if (ids.size !== records.length - generate) c.fail('$.fifo.records', 'record ids must be unique');
  const pop = scripted(
    c,
    o['pop'],
    '$.fifo.pop',
    ['payloadField', 'payloadFormat', 'empty'],
    true,
    known,
  );
  const popPayload = c.optString(pop.obj['payloadField'], '$.fifo.pop.payloadField');
  const popFormat = payloadFormat(c, pop.obj['payloadFormat'], '$.fifo.pop.payloadFormat');
  const empty = c.optSoapValue(pop.obj['empty'], '$.fifo.pop.empty');
  const popped = scripted(c, o['popped'], '$.fifo.popped', [], true, known);
  let build: BuildScript | undefined;
  if (o['build'] !== undefined) {
    const b = scripted(
      c,
      o['build'],
      '$.fifo.build',
      ['payloadField', 'payloadFormat'],
      true,
      known,
    );
    const fmt = payloadFormat(c, b.obj['payloadFormat'], '$.fifo.build.payloadFormat');
    build = {
      ...b.base,
      idField: b.base.idField ?? '',
      payloadField: c.string(b.obj['payloadField'], '$.fifo.build.payloadField'),
      ...(fmt === undefined ? {} : { payloadFormat: fmt }),
    };
  }
  return {
    records,
    pop: {
      ...pop.base,
      idField: pop.base.idField ?? '',
      ...(popPayload === undefined ? {} : { payloadField: popPayload }),
      ...(popFormat === undefined ? {} : { payloadFormat: popFormat }),
      ...(empty === undefined ? {} : { empty }),
    },
    popped: { ...popped.base, idField: popped.base.idField ?? '' },
    ...(build === undefined ? {} : { build }),
  };
}

/**
 * Validates a parsed script against the WSDL's operation names. `file` names the source in errors
 * (the library API passes a label such as `<script>`).
 */
export function parseScript(json: unknown, file: string, known: readonly string[]): MockScript {
  const c = new Checker(file);
  const root = c.object(json, '$', ['$schema', 'operations', 'fifo', 'put']);
  const operations: Record<string, OperationScript> = {};
  const claimed = new Map<string, string>();
  const claim = (op: string, path: string): void => {
    const prior = claimed.get(op);
    if (prior !== undefined) c.fail(path, `operation '${op}' is already scripted at ${prior}`);
    claimed.set(op, path);
  };
  if (root['operations'] !== undefined) {
    const ops = c.object(
      root['operations'],
      '$.operations',
      Object.keys(root['operations'] as object),
    );
    for (const [name, v] of Object.entries(ops)) {
      const path = `$.operations.${name}`;
      knownOperation(c, path, name, known);
      claim(name, path);
      const o = c.object(v, path, [
        'response',
        'fault',
        'delayMs',
        'responses',
        'afterLast',
        'fail',
      ]);
      let responses: ResponseItem[] | undefined;
      if (o['responses'] !== undefined) {
        if (!Array.isArray(o['responses']) || o['responses'].length === 0)
          c.fail(`${path}.responses`, 'expected a non-empty array');
        responses = (o['responses'] as Json[]).map((r, i) =>
          c.item(
            c.object(r, `${path}.responses[${i}]`, ['response', 'fault', 'delayMs']),
            `${path}.responses[${i}]`,
          ),
        );
        if (o['response'] !== undefined || o['fault'] !== undefined)
          c.fail(path, "give 'responses' or a single 'response'/'fault', not both");
      }
      const rawAfter = o['afterLast'];
      if (
        rawAfter !== undefined &&
        rawAfter !== 'repeat' &&
        rawAfter !== 'cycle' &&
        rawAfter !== 'sample'
      )
        c.fail(
          `${path}.afterLast`,
          `expected 'repeat', 'cycle' or 'sample', got ${describe(rawAfter)}`,
        );
      const afterLast = rawAfter as OperationScript['afterLast'];
      const fail = c.failSpec(o['fail'], `${path}.fail`);
      operations[name] = {
        ...c.item(o, path),
        ...(responses === undefined ? {} : { responses }),
        ...(afterLast === undefined ? {} : { afterLast }),
        ...(fail === undefined ? {} : { fail }),
      };
    }
  }
  let fifo: FifoScript | undefined;
  if (root['fifo'] !== undefined) {
    fifo = parseFifo(c, root['fifo'], known);
    claim(fifo.pop.operation, '$.fifo.pop');
    claim(fifo.popped.operation, '$.fifo.popped');
    if (fifo.build !== undefined) claim(fifo.build.operation, '$.fifo.build');
  }
  let put: ScriptedOperation | undefined;
  if (root['put'] !== undefined) {
    put = scripted(c, root['put'], '$.put', [], false, known).base;
    claim(put.operation, '$.put');
  }
  return {
    operations,
    ...(fifo === undefined ? {} : { fifo }),
    ...(put === undefined ? {} : { put }),
  };
}

/** Reads and validates a script file (JSON). */
export async function loadScript(file: string, known: readonly string[]): Promise<MockScript> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new MockError(
      'MOCK_SCRIPT_READ',
      `cannot read script '${file}' (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      { cause: err },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MockError(
      'MOCK_SCRIPT_READ',
      `${file}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return parseScript(json, file, known);
}
