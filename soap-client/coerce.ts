/**
 * Converts what node-soap leaves as text, or as a lone element, into the numbers, booleans and
 * lists the generated types promise, following a compact spec the generator emits per operation.
 * SOAP-encoded results (`use="encoded"`) are decoded on the way: values come out of their
 * `xsi:type` wrappers and SOAP arrays out of their array elements.
 */

export type CoercionLeaf = 'n' | 'b' | 's' | `@${string}`;

/**
 * `'n'` number, `'b'` boolean, `'s'` text, `'@Name'` an entry of the table; a leaf with `[]` (or
 * `'[]'` alone) for a repeated element, with `[*]` (or `'[*]'` alone) for a SOAP-encoded array
 * (`soapenc:Array`), or the spec of each property (with a `'[]'` or `'[*]'` key when the value is
 * a list of such objects). Lists matter because node-soap returns a single occurrence of a
 * repeated element as the element itself unless its own schema lookup told it otherwise, and the
 * items of a SOAP array as the children of one object, keyed by whatever element names the server
 * chose. `'s'` appears in the specs of SOAP-encoded results only, where every value is described.
 */
export type Coercion =
  | CoercionLeaf
  | `${CoercionLeaf | ''}[]`
  | `${CoercionLeaf | ''}[*]`
  | { readonly [property: string]: Coercion };

export type CoercionTable = Readonly<Record<string, Coercion>>;

/**
 * How a result was written (`soap:body use`). In an `encoded` one every element may carry
 * SOAP-encoding attributes (`xsi:type`, `soapenc:arrayType`, `id`), which node-soap hands over as
 * `{ attributes, $value }`: the spec of an encoded result describes every value, and a value whose
 * type declares no attributes is taken out of that wrapper.
 */
export type BodyUse = 'literal' | 'encoded';

const MAX_DEPTH = 256;

function toNumber(text: string): number {
  if (text === 'INF') return Number.POSITIVE_INFINITY;
  if (text === '-INF') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

type Leaf = 'n' | 'b' | 's';

function convert(text: string, leaf: Leaf): unknown {
  if (leaf === 's') return text;
  const trimmed = text.trim();
  return leaf === 'n' ? toNumber(trimmed) : trimmed === 'true' || trimmed === '1';
}

function leafValue(value: object | string | number | boolean, leaf: Leaf, use: BodyUse): unknown {
  if (typeof value === 'object') {
    const wrapped = value as Record<string, unknown>;
    if (use === 'literal') {
      // Simple content with attributes: the attributes stay, the text is converted.
      if (!('$value' in wrapped)) return value;
      const inner = wrapped['$value'];
      return {
        ...wrapped,
        $value: typeof inner === 'string' ? convert(inner, leaf) : inner,
      };
    }
    // Encoded: the attributes are SOAP encoding's; an element with no text is empty.
    const inner = wrapped['$value'];
    if (inner === undefined) return leaf === 's' ? '' : null;
    return typeof inner === 'string' || typeof inner === 'number' || typeof inner === 'boolean'
      ? leafValue(inner, leaf, use)
      : inner;
  }
  if (typeof value === 'string') return convert(value, leaf);
  // node-soap converted it already (its own schema lookup succeeded); text stays text.
  return leaf === 's' ? String(value) : value;
}

/**
 * The items of a SOAP-encoded array: the child elements of its element, whatever their names
 * (`item`, the item type's name, ...), each name's occurrences in document order. The array's own
 * attributes (`soapenc:arrayType`, `xsi:type`) are not items.
 */
function soapArrayItems(value: unknown): unknown[] {
  if (Array.isArray(value)) return value as unknown[];
  if (typeof value !== 'object' || value === null) return [value];
  const items: unknown[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === 'attributes' || key === '$value') continue;
    if (Array.isArray(child)) items.push(...(child as unknown[]));
    else items.push(child);
  }
  return items;
}

function walk(
  value: unknown,
  spec: Coercion | undefined,
  table: CoercionTable,
  use: BodyUse,
  depth: number,
): unknown {
  if (spec === undefined || value === null || value === undefined || depth > MAX_DEPTH)
    return value;
  const next = depth + 1;
  if (typeof spec === 'string') {
    const encodedArray = spec.endsWith('[*]');
    if (encodedArray || spec.endsWith('[]')) {
      const items = encodedArray ? soapArrayItems(value) : Array.isArray(value) ? value : [value];
      const inner = spec.slice(0, encodedArray ? -3 : -2) as CoercionLeaf | '';
      return inner === '' ? items : items.map((v: unknown) => walk(v, inner, table, use, next));
    }
  } else if ('[]' in spec || '[*]' in spec) {
    const { '[]': _list, '[*]': encodedList, ...each } = spec;
    const items =
      encodedList !== undefined ? soapArrayItems(value) : Array.isArray(value) ? value : [value];
    return items.map((v: unknown) => walk(v, each, table, use, next));
  }
  if (Array.isArray(value)) return value.map((v: unknown) => walk(v, spec, table, use, next));
  if (typeof spec === 'string') {
    if (spec.startsWith('@')) return walk(value, table[spec.slice(1)], table, use, next);
    return typeof value === 'object' ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
      ? leafValue(value, spec as Leaf, use)
      : value;
  }
  if (typeof value !== 'object') {
    // Simple content arrives as the bare value when none of its attributes came along.
    const text = spec['$value'];
    return text === undefined ? value : walk(value, text, table, use, next);
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  // An encoded value's attributes are SOAP encoding's unless its type declares attributes.
  if (use === 'encoded' && !('attributes' in spec)) delete out['attributes'];
  for (const [key, sub] of Object.entries(spec)) {
    if (key in out) out[key] = walk(out[key], sub, table, use, next);
  }
  return out;
}

/**
 * Returns `value` with numbers, booleans and lists as `spec` says (arrays element-wise); for an
 * `encoded` result also without SOAP encoding's wrappers (see {@link BodyUse}).
 */
export function coerce(
  value: unknown,
  spec: Coercion | undefined,
  table: CoercionTable,
  use: BodyUse = 'literal',
): unknown {
  return walk(value, spec, table, use, 0);
}
