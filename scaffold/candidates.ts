/**
 * The fields of a message that could carry a record's id or payload, as paths with their types
 * (`ResponseMessages.FindItemResponseMessage[].RootFolder.Items.Message[].ItemId.attributes.Id:
 * string`), a path given by a flag resolved against a message, and the bounded lists that refusals
 * print: a refusal names the first candidates, then "and N more", never the whole schema.
 */
import { ScaffoldError } from './errors.js';
import type { Field, FieldType } from './fields.js';

/** One field of a message: its chain of fields from the message root. */
export interface Candidate {
  readonly chain: readonly Field[];
}

/** How many candidates a message lists at most (a huge schema is cut there). */
const MAX_CANDIDATES = 2_000;
/** How deep a walk goes (a recursive type is cut there). */
const MAX_DEPTH = 12;
/** How many lists a path may pass through. */
const MAX_LISTS = 3;
/** How many items a refusal names before "and N more". */
export const LISTED_CANDIDATES = 12;
/** The longest a path shown in a refusal may be. */
const MAX_PATH_CHARS = 160;

/** `a.b[].c`: dot path, `[]` after each repeated element. */
export function pathOf(chain: readonly Field[]): string {
  return chain.map((f) => `${f.name}${f.array ? '[]' : ''}`).join('.');
}

/** `a.b.c`: the dot path `aes mock` scripts and request builders use (lists take their first item). */
export function dotPathOf(chain: readonly Field[]): string {
  return chain.map((f) => f.name).join('.');
}

/** `string`, `number`, `object`, `string[]`. */
export function typeOf(field: Field): string {
  const kind = field.type.kind === 'literal' ? 'enumeration' : field.type.kind;
  return `${kind}${field.array ? '[]' : ''}`;
}

/** `path: type`, cut to a bounded length. */
export function describeCandidate(c: Candidate): string {
  const last = c.chain[c.chain.length - 1];
  const text = `${pathOf(c.chain)}: ${last === undefined ? 'object' : typeOf(last)}`;
  return text.length <= MAX_PATH_CHARS ? text : `…${text.slice(text.length - MAX_PATH_CHARS)}`;
}

/** The first `max` items joined, then "and N more": what a refusal prints, whatever the schema's size. */
export function boundedList(items: readonly string[], max = LISTED_CANDIDATES): string {
  if (items.length === 0) return 'none';
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/** A plain value: a string or number (not an enumeration, which cannot carry any id). */
export function isValue(f: Field): boolean {
  return f.type.kind === 'string' || f.type.kind === 'number';
}

/**
 * Every field of `root` that `accept` takes, depth first in schema order, through at most
 * `maxLists` lists; a field accepted is not descended into.
 */
export function candidatesOf(
  root: FieldType,
  accept: (f: Field, chain: readonly Field[]) => boolean,
  maxLists = MAX_LISTS,
): Candidate[] {
  const out: Candidate[] = [];
  const walk = (type: FieldType, chain: readonly Field[], lists: number): void => {
    if (type.kind !== 'object' || chain.length >= MAX_DEPTH) return;
    for (const f of type.fields) {
      if (out.length >= MAX_CANDIDATES) return;
      const next = [...chain, f];
      if (accept(f, next)) out.push({ chain: next });
      else if (f.type.kind === 'object' && lists + (f.array ? 1 : 0) <= maxLists)
        walk(f.type, next, lists + (f.array ? 1 : 0));
    }
  };
  walk(root, [], 0);
  return out;
}

/** The answers a wizard question can fill, each a flag of `aes endpoint create`. */
export type FieldAnswer =
  | 'idField'
  | 'payloadField'
  | 'poppedIdField'
  | 'buildIdField'
  | 'documentField'
  | 'messageIdField';

/** Every field answer, in the order the wizard asks them. */
export const FIELD_ANSWERS: readonly FieldAnswer[] = [
  'idField',
  'payloadField',
  'poppedIdField',
  'buildIdField',
  'documentField',
  'messageIdField',
];

/** The flag of a field answer: `--popped-id-field` for poppedIdField. */
export function fieldFlag(answer: FieldAnswer): string {
  return `--${answer.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * The chain of `path` (`a.b[].c` or `a.b.c`; `[]` is optional) in `root`, the answer to `answer`;
 * throws a `FieldAnswerError` naming its flag and the fields where the path went wrong. An empty
 * path is the root itself (no chain).
 */
export function resolvePath(
  root: FieldType,
  path: string,
  answer: FieldAnswer,
  what: string,
): Field[] {
  const segments = path
    .split('.')
    .map((s) => s.replace(/\[\]$/, ''))
    .filter((s) => s !== '');
  const chain: Field[] = [];
  let type = root;
  for (const seg of segments) {
    const fields = type.kind === 'object' ? type.fields : [];
    const found =
      fields.find((f) => f.name === seg) ??
      fields.find((f) => f.name.toLowerCase() === seg.toLowerCase());
    if (found === undefined) {
      const at = chain.length === 0 ? `the ${what}` : `'${pathOf(chain)}'`;
      throw new FieldAnswerError(
        answer,
        `${fieldFlag(answer)} '${path}': ${at} has no field '${seg}' (its fields: ${boundedList(fields.map((f) => `${f.name}${f.array ? '[]' : ''}`))})`,
      );
    }
    chain.push(found);
    type = found.type;
  }
  return chain;
}

/**
 * A path given for a field (by its flag, or typed in the wizard) that does not fit: no such field
 * in the message, or one of a type that cannot carry what the field is for. The message names the
 * flag, the path and what is wrong where; `answer` says which field it is about, so that the wizard
 * asks that question again.
 */
export class FieldAnswerError extends ScaffoldError {
  readonly answer: FieldAnswer;

  constructor(answer: FieldAnswer, message: string) {
    super('SCAFFOLD_USAGE', message);
    this.answer = answer;
  }
}

/**
 * The scaffold has no clear evidence for a field and will not guess: the flag (or, on a terminal,
 * the question) that settles it, with the candidates. The message lists the first candidates only.
 */
export class AmbiguousFieldError extends ScaffoldError {
  readonly answer: FieldAnswer;
  /** The candidates, best first, as `path: type`. */
  readonly candidates: readonly string[];
  /** The paths of `candidates`, in the same order (what the flag takes). */
  readonly paths: readonly string[];
  /** A question for the wizard. */
  readonly question: string;

  constructor(
    answer: FieldAnswer,
    question: string,
    why: string,
    candidates: readonly Candidate[],
    extra: readonly string[] = [],
  ) {
    const shown = [...candidates.map(describeCandidate), ...extra];
    super(
      'SCAFFOLD_AMBIGUOUS',
      `${why}; not guessing: give ${fieldFlag(answer)} <path> (candidates: ${boundedList(shown)})`,
    );
    this.answer = answer;
    this.candidates = shown;
    this.paths = [...candidates.map((c) => pathOf(c.chain)), ...extra];
    this.question = question;
  }
}

/**
 * The error for a field without clear evidence: an `AmbiguousFieldError` listing `candidates`, or,
 * when there is none, a `SCAFFOLD_OPERATION` error (the operation cannot fill the role at all).
 */
export function noEvidence(
  answer: FieldAnswer,
  question: string,
  why: string,
  candidates: readonly Candidate[],
  extra: readonly string[] = [],
): ScaffoldError {
  if (candidates.length === 0)
    return new ScaffoldError('SCAFFOLD_OPERATION', `${why}, nor any field that could be used`);
  return new AmbiguousFieldError(answer, question, why, candidates, extra);
}
