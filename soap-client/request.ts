/**
 * Prepares a typed input for node-soap. Generated types allow `undefined` in `attributes` (an
 * optional attribute without `exactOptionalPropertyTypes`, and any wildcard attribute), but
 * node-soap writes every key it finds there, an `undefined` one as the text `"undefined"`; it
 * already leaves out elements whose value is `undefined`.
 */

const MAX_DEPTH = 256;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function withoutUndefined(attributes: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.entries(attributes);
  if (entries.every(([, v]) => v !== undefined)) return attributes;
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}

/**
 * `input` with every `attributes` entry whose value is `undefined` removed, at any depth. Copies
 * only the objects on the way to a change: the caller's input is never modified.
 */
export function dropUndefinedAttributes(input: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH) return input;
  if (Array.isArray(input)) {
    const list: readonly unknown[] = input;
    let out: unknown[] | undefined;
    list.forEach((item, i) => {
      const next = dropUndefinedAttributes(item, depth + 1);
      if (next !== item) (out ??= [...list])[i] = next;
    });
    return out ?? list;
  }
  if (!isPlainObject(input)) return input;
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(input)) {
    const next =
      key === 'attributes' && isPlainObject(value)
        ? withoutUndefined(value)
        : dropUndefinedAttributes(value, depth + 1);
    if (next !== value) (out ??= { ...input })[key] = next;
  }
  return out ?? input;
}
