/**
 * Where an endpoint reads a record's id and payload and where it writes them, chosen only on clear
 * evidence (docs/scaffolding.md, "Clear evidence"); otherwise an `AmbiguousFieldError` names the
 * flag to give and the candidates, which the wizard asks about instead.
 *
 * - Record id in the pop response: the path given by `--id-field`, else the one string or number
 *   field of the whole response (through its lists) named `id` or `…Id` / `…ID` / `…_id`.
 * - Payload in the pop response: the path given by `--payload-field`, else the one string field of
 *   the record named payload / document / data / body / content / record / message / text / json /
 *   xml, else the record as a whole (a structured record becomes the JSON payload, with a note).
 * - Id in the popped / build request: the flag's path, else the one field named as the record's id
 *   (or its plural), else the one id-like field.
 * - Put request: the message id is the one field named messageId / msgId or id-like (none when
 *   there is none); the payload the one payload-named string field, else the one string field left.
 */
import {
  candidatesOf,
  fieldFlag,
  FieldAnswerError,
  isValue,
  noEvidence,
  pathOf,
  resolvePath,
  typeOf,
  type Candidate,
  type FieldAnswer,
} from './candidates.js';
import type { Field, FieldType } from './fields.js';

/** `id`, `Id`, `ID`, `orderId`, `ItemID`, `order_id` (not `paid` or `valid`). */
const ID_NAME = /^(id|Id|ID)$|[a-z0-9]Id$|[a-z0-9_]ID$|_id$/;
/** A count or limit (`max`, `batchSize`): never the field of an id. */
const LIMIT = /^(max|limit|count|size|batch|maxRecords|maxCount|batchSize)$/i;
const MESSAGE_ID = /^(message|msg)[-_]?id$/i;
const PAYLOAD_NAME = /^(payload|document|doc|data|body|content|record|message|text|json|xml)$/i;

/** Whether a field's name reads as an id: `id`, `orderId`, `ItemID`, `order_id`. */
export function isIdName(name: string): boolean {
  return ID_NAME.test(name);
}

function last(chain: readonly Field[]): Field | undefined {
  return chain[chain.length - 1];
}

/** `--id-field 'a.b' (object)`: a path given for a field, with the type of the field it names. */
function describeGiven(flag: string, path: string, field: Field | undefined): string {
  return `${flag} '${path}' (${field === undefined ? 'the message itself' : typeOf(field)})`;
}

/** A record in a pop response: the chain to the record (up to its innermost list), its id and payload. */
export interface RecordWiring {
  /** From the response root to the record; the record is the root itself when empty. */
  readonly holder: readonly Field[];
  /** The id, from the record. */
  readonly id: readonly Field[];
  /** The payload from the record: a field, or the record as a whole (`whole`). */
  readonly payload: { readonly chain: readonly Field[]; readonly whole: boolean } | undefined;
  /** What the scaffold chose on its own and the user should know. */
  readonly notes: readonly string[];
}

/** What a flag or answer says for each field choice. */
export type FieldChoices = Partial<Readonly<Record<FieldAnswer, string>>>;

/** The chain up to and including the last list of `chain` (the record that holds its last field). */
function recordOf(chain: readonly Field[]): number {
  let at = 0;
  chain.forEach((f, i) => {
    if (f.array && i < chain.length - 1) at = i + 1;
  });
  return at;
}

/** The record, its id and payload in `operation`'s response. */
export function recordWiring(
  operation: string,
  response: FieldType,
  choices: FieldChoices,
  needPayload: boolean,
): RecordWiring {
  const notes: string[] = [];
  let idChain: readonly Field[];
  if (choices.idField !== undefined) {
    idChain = resolvePath(response, choices.idField, 'idField', `response of '${operation}'`);
    const f = last(idChain);
    if (f === undefined || !isValue(f) || f.array) {
      throw new FieldAnswerError(
        'idField',
        `${describeGiven('--id-field', choices.idField, f)} is not a string or number field of the '${operation}' response`,
      );
    }
  } else {
    const values = candidatesOf(response, (f) => isValue(f) && !f.array);
    const ids = values.filter((c) => isIdName(last(c.chain)?.name ?? ''));
    const [only] = ids;
    if (ids.length !== 1 || only === undefined) {
      throw noEvidence(
        'idField',
        `Where does the '${operation}' response carry the record id?`,
        ids.length === 0
          ? `the response of '${operation}' has no string or number field named like an id`
          : `the response of '${operation}' has ${ids.length} fields named like an id`,
        [...ids, ...values.filter((c) => !ids.includes(c))],
      );
    }
    idChain = only.chain;
  }
  const split = recordOf(idChain);
  const holder = idChain.slice(0, split);
  const id = idChain.slice(split);
  if (!needPayload) return { holder, id, payload: undefined, notes };
  const recordType: FieldType = last(holder)?.type ?? response;
  const at = holder.length === 0 ? 'the response' : `'${pathOf(holder)}'`;
  if (choices.payloadField !== undefined) {
    const chain = resolvePath(
      response,
      choices.payloadField,
      'payloadField',
      `response of '${operation}'`,
    );
    const inside = holder.every((f, i) => chain[i] === f) && chain.length >= holder.length;
    const rel = chain.slice(holder.length);
    if (!inside || rel.some((f) => f.array)) {
      throw new FieldAnswerError(
        'payloadField',
        `--payload-field '${choices.payloadField}' is not inside the record the id is read from (${at}, one record per item)`,
      );
    }
    const f = last(rel);
    return { holder, id, payload: { chain: rel, whole: f === undefined || !isValue(f) }, notes };
  }
  // The payload field sits beside the id (in the record, or in the object holding the id).
  const parent = id.slice(0, -1);
  const parentType: FieldType = last(parent)?.type ?? recordType;
  const named =
    parentType.kind === 'object'
      ? parentType.fields.filter(
          (f) =>
            f !== last(id) && !f.array && f.type.kind === 'string' && PAYLOAD_NAME.test(f.name),
        )
      : [];
  const [one] = named;
  if (named.length === 1 && one !== undefined)
    return { holder, id, payload: { chain: [...parent, one], whole: false }, notes };
  notes.push(
    `the record's payload is the whole record at ${at} as JSON (no single field of it is named as a payload); --payload-field picks one field instead`,
  );
  return { holder, id, payload: { chain: [], whole: true }, notes };
}

/**
 * Where `operation`'s request carries the record id (popped, build): the flag's path, else the one
 * field named as the record's id (`recordId`'s name, or its plural), else the one id-like field.
 */
export function requestIdWiring(
  operation: string,
  request: FieldType,
  answer: FieldAnswer,
  given: string | undefined,
  recordId: Field | undefined,
): { readonly chain: readonly Field[]; readonly field: Field } {
  const flag = fieldFlag(answer);
  if (given !== undefined) {
    const chain = resolvePath(request, given, answer, `request of '${operation}'`);
    const f = last(chain);
    if (f === undefined || !isValue(f))
      throw new FieldAnswerError(
        answer,
        `${describeGiven(flag, given, f)} is not a string or number field of the '${operation}' request`,
      );
    return { chain, field: f };
  }
  const values = candidatesOf(request, (f) => isValue(f) && !LIMIT.test(f.name));
  const nameOf = (c: Candidate): string => last(c.chain)?.name.toLowerCase() ?? '';
  const target = recordId?.name.toLowerCase();
  const byName =
    target === undefined
      ? []
      : values.filter((c) => nameOf(c) === target || nameOf(c) === `${target}s`);
  const idLike = values.filter((c) => isIdName(last(c.chain)?.name ?? ''));
  const pick = byName.length === 1 ? byName[0] : idLike.length === 1 ? idLike[0] : undefined;
  const f = pick === undefined ? undefined : last(pick.chain);
  if (pick === undefined || f === undefined) {
    const best = byName.length > 1 ? byName : idLike;
    throw noEvidence(
      answer,
      `Where does the '${operation}' request carry the record id?`,
      best.length === 0
        ? `the request of '${operation}' has no string or number field named like an id`
        : `the request of '${operation}' has ${best.length} fields named like the record id`,
      [...best, ...values.filter((c) => !best.includes(c))],
    );
  }
  return { chain: pick.chain, field: f };
}

/** Where a build response carries the document: the flag's path, the one payload-named string, or the one string. */
export function documentWiring(
  operation: string,
  response: FieldType,
  given: string | undefined,
): readonly Field[] {
  if (given !== undefined) {
    const chain = resolvePath(response, given, 'documentField', `response of '${operation}'`);
    const f = last(chain);
    if (f === undefined || f.type.kind !== 'string' || f.array)
      throw new FieldAnswerError(
        'documentField',
        `${describeGiven('--document-field', given, f)} is not a string field of the '${operation}' response (the document is read from it as text)`,
      );
    return chain;
  }
  const strings = candidatesOf(response, (f) => f.type.kind === 'string' && !f.array, 0);
  const named = strings.filter((c) => PAYLOAD_NAME.test(last(c.chain)?.name ?? ''));
  const pick = named.length === 1 ? named[0] : strings.length === 1 ? strings[0] : undefined;
  if (pick === undefined) {
    throw noEvidence(
      'documentField',
      `Where does the '${operation}' response carry the document?`,
      `the response of '${operation}' has ${named.length > 1 ? `${named.length} fields named like a document` : strings.length === 0 ? 'no string field' : `${strings.length} string fields and none named like a document`}`,
      [...named, ...strings.filter((c) => !named.includes(c))],
    );
  }
  return pick.chain;
}

/** Where a put request carries the message id (none when it has no such field) and the payload. */
export function putWiring(
  operation: string,
  request: FieldType,
  choices: FieldChoices,
  refuse = true,
): { readonly messageId: readonly Field[] | undefined; readonly payload: readonly Field[] } {
  const strings = candidatesOf(request, (f) => f.type.kind === 'string' && !f.array, 0);
  const what = `request of '${operation}'`;
  let messageId: readonly Field[] | undefined;
  if (choices.messageIdField === 'none') messageId = undefined;
  else if (choices.messageIdField !== undefined) {
    messageId = resolvePath(request, choices.messageIdField, 'messageIdField', what);
    const f = last(messageId);
    if (f === undefined || f.type.kind !== 'string' || f.array)
      throw new FieldAnswerError(
        'messageIdField',
        `${describeGiven('--message-id-field', choices.messageIdField, f)} is not a string field of the ${what} (the message id goes there as text)`,
      );
  } else {
    const named = strings.filter((c) => MESSAGE_ID.test(last(c.chain)?.name ?? ''));
    const idLike = strings.filter((c) => isIdName(last(c.chain)?.name ?? ''));
    const best = named.length > 0 ? named : idLike;
    if (best.length > 1 && refuse) {
      throw noEvidence(
        'messageIdField',
        `Where does the '${operation}' request carry the message id (none: no duplicate check)?`,
        `the ${what} has ${best.length} fields named like a message id`,
        best,
        ['none'],
      );
    }
    messageId = best.length === 1 ? best[0]?.chain : undefined;
  }
  if (choices.payloadField !== undefined) {
    const chain = resolvePath(request, choices.payloadField, 'payloadField', what);
    const f = last(chain);
    if (f?.type.kind !== 'string')
      throw new FieldAnswerError(
        'payloadField',
        `${describeGiven('--payload-field', choices.payloadField, f)} is not a string field of the ${what} (the payload goes there as JSON text)`,
      );
    return { messageId, payload: chain };
  }
  const idPath = messageId === undefined ? undefined : pathOf(messageId);
  const rest = strings.filter((c) => pathOf(c.chain) !== idPath);
  const named = rest.filter((c) => PAYLOAD_NAME.test(last(c.chain)?.name ?? ''));
  const pick = named.length === 1 ? named[0] : rest.length === 1 ? rest[0] : undefined;
  if (pick === undefined) {
    throw noEvidence(
      'payloadField',
      `Where does the '${operation}' request carry the message's payload (JSON text)?`,
      `the ${what} has ${named.length > 1 ? `${named.length} fields named like a payload` : rest.length === 0 ? 'no string field for the payload' : `${rest.length} string fields and none named like a payload`}`,
      [...named, ...rest.filter((c) => !named.includes(c))],
    );
  }
  return { messageId, payload: pick.chain };
}
