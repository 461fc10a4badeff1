/**
 * Converts the text node-soap leaves in a result into the numbers and booleans the generated types
 * promise, following a compact spec the generator emits per operation.
 */

/** `'n'` number, `'b'` boolean, `'@Name'` an entry of the table, or the spec of each property. */
export type Coercion = 'n' | 'b' | `@${string}` | { readonly [property: string]: Coercion };

export type CoercionTable = Readonly<Record<string, Coercion>>;

function toNumber(text: string): number {
  if (text === 'INF') return Number.POSITIVE_INFINITY;
  if (text === '-INF') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Returns `value` with numbers and booleans converted where `spec` says (arrays element-wise). */
export function coerce(
  value: unknown,
  spec: Coercion | undefined,
  table: CoercionTable,
  depth = 0,
): unknown {
  if (spec === undefined || value === null || value === undefined || depth > 256) return value;
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
