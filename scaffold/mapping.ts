/**
 * Where a record's id and payload sit in an operation's messages, and the TypeScript that reads and
 * builds them (the choice itself is wiring.ts's). The result is plain, typed code in the scaffolded
 * endpoint that a person edits; the same paths script the `aes mock` source or target of its test.
 */
import { propertyName } from '../codegen/internal.js';
import { boundedList, dotPathOf } from './candidates.js';
import { ScaffoldError } from './errors.js';
import type { Field, FieldType } from './fields.js';
import { putWiring } from './wiring.js';

const ID = /^id$/i;
const ID_LIKE = /(^|[^a-z])id$|Id$|ID$/;
const MESSAGE_ID = /^(message|msg)[-_]?id$/i;
const FOUND = /found|exists?|present|known|delivered|has/i;
const LIMIT = /^(max|limit|count|size|batch|maxRecords|maxCount|batchSize)$/i;

function describeFields(type: FieldType, prefix = '', depth = 0): string[] {
  if (type.kind !== 'object' || depth > 4) return [];
  return type.fields.flatMap((f) => {
    const name = `${prefix}${f.name}${f.array ? '[]' : ''}`;
    return [`${name}: ${f.type.kind}`, ...describeFields(f.type, `${name}.`, depth + 1)];
  });
}

function isLeaf(f: Field): boolean {
  return !f.array && (f.type.kind === 'string' || f.type.kind === 'number');
}

function isBoolean(f: Field): boolean {
  return !f.array && f.type.kind === 'boolean';
}

/**
 * `base.a?.b`: optional fields are read with `?.`, and every field with `emptyBase` — a response
 * may come as an empty element (`{}`) even where its schema requires children (an empty FIFO).
 */
export function access(base: string, fields: readonly Field[], emptyBase = false): string {
  let out = base;
  let optional = emptyBase;
  for (const f of fields) {
    const name = propertyName(f.name);
    const quoted = name !== f.name;
    out += quoted ? `${optional ? '?.' : ''}[${name}]` : `${optional ? '?.' : '.'}${name}`;
    optional = optional || f.optional;
  }
  return out;
}

/**
 * The statement that sets `items` to the records of `response`: the response itself (`holder`
 * empty; none when it is empty, `{}`, an empty FIFO), or the items of the list `holder` ends with,
 * every list on the way flattened.
 */
export function itemsStatement(holder: readonly Field[]): string {
  if (holder.length === 0) {
    return 'const items = Object.keys(response).length === 0 ? [] : [response];';
  }
  const segments: Field[][] = [[]];
  for (const f of holder) {
    segments[segments.length - 1]?.push(f);
    if (f.array) segments.push([]);
  }
  const [first = [], ...rest] = segments.filter((s) => s.length > 0);
  // A list's items may be nil (`nillable="true"`, as .NET services declare them): skipped.
  const present = '.filter((i): i is NonNullable<typeof i> => i != null)';
  let expr = `(${access('response', first, true)} ?? [])${present}`;
  rest.forEach((seg, i) => {
    expr += `.flatMap((l${i + 1}) => ${access(`l${i + 1}`, seg)} ?? [])${present}`;
  });
  return `const items = ${expr};`;
}

/** The expression of a record id read from `item` along `chain`. */
export function idExpression(chain: readonly Field[]): string {
  const read = access('item', chain);
  return chain[chain.length - 1]?.type.kind === 'number' ? `String(${read})` : read;
}

/**
 * The expression of a payload read from `item` along `chain`: a JSON string decoded, a number as it
 * is, an object (the record as a whole when `chain` is empty) as a plain JSON copy.
 */
export function payloadExpression(chain: readonly Field[], whole: boolean): string {
  const read = access('item', chain);
  const f = chain[chain.length - 1];
  if (whole) return `JSON.parse(JSON.stringify(${read} ?? null)) as JsonValue`;
  if (f?.type.kind === 'string') return `decodePayload(${read})`;
  return `${read}${chain.some((c) => c.optional) ? ' ?? null' : ''}`;
}

/** What goes into a request: values for chosen paths, defaults for the other required fields. */
export interface RequestValues {
  /** Dot path → expression. */
  readonly values: ReadonlyMap<string, string>;
  /** Dot path of a list → a function of the item literal giving the list's expression. */
  readonly lists?: ReadonlyMap<string, (item: string) => string>;
  /** Expression for a number field named like max/limit/count. */
  readonly limit?: string;
}

function literalOf(
  type: FieldType,
  path: string,
  req: RequestValues,
  operation: string,
  indent: string,
): string {
  const set = req.values.get(path);
  if (set !== undefined) return set;
  switch (type.kind) {
    case 'string':
      return "''";
    case 'number':
      return req.limit !== undefined && LIMIT.test(path.split('.').pop() ?? '') ? req.limit : '0';
    case 'boolean':
      return 'false';
    case 'literal':
      return JSON.stringify(type.value).replace(/^"|"$/g, "'");
    case 'other':
      throw new ScaffoldError(
        'SCAFFOLD_OPERATION',
        `cannot fill the required field '${path}' of the '${operation}' request (its type is not a plain value); write that request by hand`,
      );
    case 'object': {
      const wanted = (f: Field): boolean => {
        const p = path === '' ? f.name : `${path}.${f.name}`;
        if (!f.optional) return true;
        const under = (k: string): boolean => k === p || k.startsWith(`${p}.`);
        return [...req.values.keys()].some(under) || [...(req.lists?.keys() ?? [])].some(under);
      };
      const inner = `${indent}  `;
      const parts = type.fields.filter(wanted).map((f) => {
        const p = path === '' ? f.name : `${path}.${f.name}`;
        const item = literalOf(f.type, p, req, operation, inner);
        const list = req.lists?.get(p);
        const value = list !== undefined ? list(item) : f.array ? `[${item}]` : item;
        return `${inner}${propertyName(f.name)}: ${value},`;
      });
      return parts.length === 0 ? '{}' : `{\n${parts.join('\n')}\n${indent}}`;
    }
  }
}

/** An object literal for `operation`'s request. */
export function requestLiteral(
  operation: string,
  request: FieldType,
  req: RequestValues,
  indent = '  ',
): string {
  return literalOf(request, '', req, operation, indent);
}

/** Breadth-first leaves (outside lists) of a request, with their dot paths. */
export function leaves(
  type: FieldType,
  accept: (f: Field) => boolean = isLeaf,
): { path: string; field: Field; chain: Field[] }[] {
  const out: { path: string; field: Field; chain: Field[] }[] = [];
  const queue: { prefix: string; chain: Field[]; type: FieldType }[] = [
    { prefix: '', chain: [], type },
  ];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined || next.type.kind !== 'object') continue;
    for (const f of next.type.fields) {
      const path = `${next.prefix}${f.name}`;
      const chain = [...next.chain, f];
      if (f.array) continue;
      if (accept(f)) out.push({ path, field: f, chain });
      else if (f.type.kind === 'object') queue.push({ prefix: `${path}.`, chain, type: f.type });
    }
  }
  return out;
}

/** Where a request carries the record id (popped, build): the id-like field, else the first string. */
export function findIdField(operation: string, request: FieldType): { path: string; field: Field } {
  const all = leaves(request);
  const found =
    all.find((l) => ID.test(l.field.name)) ??
    all.find((l) => ID_LIKE.test(l.field.name)) ??
    all.find((l) => l.field.type.kind === 'string');
  if (found === undefined) {
    throw new ScaffoldError(
      'SCAFFOLD_OPERATION',
      `the request of '${operation}' has no field to carry the record id; its fields: ${boundedList(describeFields(request))}`,
    );
  }
  return found;
}

/** The list of a putMany request whose items carry the messages. */
export function findPutList(
  operation: string,
  request: FieldType,
): {
  path: string;
  item: FieldType;
  fields: { messageId: string | undefined; payload: string };
} {
  const queue: { prefix: string; type: FieldType }[] = [{ prefix: '', type: request }];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined || next.type.kind !== 'object') continue;
    for (const f of next.type.fields) {
      const path = `${next.prefix}${f.name}`;
      if (f.array && f.type.kind === 'object') {
        try {
          const w = putWiring(operation, f.type, {});
          const fields = {
            messageId: w.messageId === undefined ? undefined : dotPathOf(w.messageId),
            payload: dotPathOf(w.payload),
          };
          return { path, item: f.type, fields };
        } catch {
          // not a list of messages, or not clearly one: look further
        }
      } else if (!f.array && f.type.kind === 'object')
        queue.push({ prefix: `${path}.`, type: f.type });
    }
  }
  throw new ScaffoldError(
    'SCAFFOLD_OPERATION',
    `the request of '${operation}' has no list of items with a payload field, so it cannot take several messages; its fields: ${boundedList(describeFields(request))}`,
  );
}

/**
 * Where a lookup's response says whether the target holds the message: its boolean field (one
 * named like found/exists/present first). A lookup without one cannot be read safely.
 */
export function findLookupAnswer(
  operation: string,
  response: FieldType,
): { path: string; chain: Field[] } {
  const all = leaves(response, isBoolean);
  const found = all.find((l) => FOUND.test(l.field.name)) ?? all[0];
  if (found === undefined) {
    throw new ScaffoldError(
      'SCAFFOLD_OPERATION',
      `the response of '${operation}' has no boolean field saying whether the target holds the message; its fields: ${boundedList(describeFields(response))}. Choose another --lookup, or none and write alreadyDelivered() by hand`,
    );
  }
  return found;
}

/** Operation names that read as "does the target hold this id?". */
const LOOKUP_NAME = /has|exist|contain|lookup|find|get|check|^is[A-Z_]/i;

/**
 * The operations that could tell whether the target holds a message: a name that reads so, a
 * request with an id-like string field, and a boolean in the response. Best first.
 */
export function lookupCandidates(
  operations: readonly { name: string; request: FieldType; response: FieldType }[],
): string[] {
  const scored = operations.flatMap((o) => {
    const ids = leaves(o.request).filter(
      (l) =>
        l.field.type.kind === 'string' &&
        (MESSAGE_ID.test(l.field.name) || ID_LIKE.test(l.field.name) || ID.test(l.field.name)),
    );
    const booleans = leaves(o.response, isBoolean);
    if (ids.length === 0 || booleans.length === 0 || !LOOKUP_NAME.test(o.name)) return [];
    const score =
      (/has|exist|contain/i.test(o.name) ? 2 : 0) +
      (booleans.some((b) => FOUND.test(b.field.name)) ? 1 : 0);
    return [{ name: o.name, score }];
  });
  return scored
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .map((c) => c.name);
}
