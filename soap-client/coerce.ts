/**
 * Converts what node-soap leaves as text, or as a lone element, into the numbers, booleans and
 * lists the generated types promise, following a compact spec the generator emits per operation.
 */

export type CoercionLeaf = 'n' | 'b' | `@${string}`;

/**
 * `'n'` number, `'b'` boolean, `'@Name'` an entry of the table, a leaf with `[]` (or `'[]'` alone)
 * for a list, or the spec of each property (with a `'[]'` key when the value is a list of such
 * objects). Lists matter because node-soap returns a single occurrence of a repeated element as
 * the element itself unless its own schema lookup told it otherwise.
 */
export type Coercion =
  CoercionLeaf | `${CoercionLeaf | ''}[]` | { readonly [property: string]: Coercion };

export type CoercionTable = Readonly<Record<string, Coercion>>;

function toNumber(text: string): number {
  if (text === 'INF') return Number.POSITIVE_INFINITY;
  if (text === '-INF') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Returns `value` with numbers, booleans and lists as `spec` says (arrays element-wise). */
export function coerce(
  value: unknown,
  spec: Coercion | undefined,
  table: CoercionTable,
  depth = 0,
): unknown {
  if (spec === undefined || value === null || value === undefined || depth > 256) return value;
  if (typeof spec === 'string' && spec.endsWith('[]')) {
    const items: unknown[] = Array.isArray(value) ? value : [value];
    const inner = spec.slice(0, -2) as CoercionLeaf | '';
    return inner === '' ? items : items.map((v) => coerce(v, inner, table, depth + 1));
  }
  if (typeof spec === 'object' && '[]' in spec) {
    const { '[]': _list, ...each } = spec;
    const items: unknown[] = Array.isArray(value) ? value : [value];
    return items.map((v) => coerce(v, each, table, depth + 1));
  }
  if (Array.isArray(value)) return value.map((v: unknown) => coerce(v, spec, table, depth + 1));
  if (typeof spec === 'string') {
    if (spec.startsWith('@')) return coerce(value, table[spec.slice(1)], table, depth + 1);
    if (typeof value === 'object' && '$value' in value) {
      return {
        ...value,
        $value: coerce(value.$value, spec, table, depth + 1),
      };
    }
    if (typeof value !== 'string') return value;
    return spec === 'n' ? toNumber(value.trim()) : value.trim() === 'true' || value.trim() === '1';
  }
  if (typeof value !== 'object') return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, sub] of Object.entries(spec)) {
    if (key in out) out[key] = coerce(out[key], sub, table, depth + 1);
  }
  return out;
}
