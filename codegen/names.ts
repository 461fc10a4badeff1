/** Identifier rules for generated code: never a keyword, never two names that collide. */

/** Reserved words and the type names TypeScript predefines: a declared type must not take them. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false ' +
    'finally for function if import in instanceof new null return super switch this throw true try ' +
    'typeof var void while with as implements interface let package private protected public static ' +
    'yield any boolean constructor declare get module require number set string symbol type from of ' +
    'unknown never object bigint undefined await async keyof readonly infer is asserts unique satisfies ' +
    'accessor out Omit Record Array Promise Partial Required Readonly Pick Exclude Extract NonNullable ' +
    'Date Error Object String Number Boolean Symbol Function URL'
  ).split(' '),
);

/**
 * Turns any XML name into a TypeScript identifier: characters that cannot appear in one separate
 * words (`prefixed-MyOperation` → `prefixed_MyOperation`), a leading digit gets `_`, and reserved
 * words get a trailing `_`.
 */
export function toIdentifier(raw: string): string {
  let id = raw.replace(/[^A-Za-z0-9_$]+/g, '_');
  if (id === '' || id === '_') id = '_unnamed';
  if (/^[0-9]/.test(id)) id = `_${id}`;
  if (RESERVED.has(id)) id = `${id}_`;
  return id;
}

/** `prefixed-MyOperation` → `prefixedMyOperation`, `GetQuote` → `getQuote`: a method name. */
export function toMethodName(raw: string): string {
  const words = raw.split(/[^A-Za-z0-9_$]+/).filter((w) => w !== '');
  if (words.length === 0) return '_unnamed';
  const [first = '', ...rest] = words;
  let name =
    first.charAt(0).toLowerCase() +
    first.slice(1) +
    rest.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return name;
}

/** PascalCase of any name: `StockQuote-port` → `StockQuotePort`. */
export function toPascal(raw: string): string {
  const words = raw.split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const name = words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return toIdentifier(name === '' ? 'Unnamed' : name);
}

/**
 * Hands out unique names. `caseInsensitive` also refuses names that differ only by case (for file
 * names on case-insensitive file systems).
 */
export class NameAllocator {
  readonly #taken = new Set<string>();
  readonly #caseInsensitive: boolean;

  constructor(options: { caseInsensitive?: boolean; reserved?: Iterable<string> } = {}) {
    this.#caseInsensitive = options.caseInsensitive ?? false;
    for (const r of options.reserved ?? []) this.#taken.add(this.#key(r));
  }

  #key(name: string): string {
    return this.#caseInsensitive ? name.toLowerCase() : name;
  }

  has(name: string): boolean {
    return this.#taken.has(this.#key(name));
  }

  /** The first free name among `candidates`, else the last with `_2`, `_3`, ... appended. */
  allocate(...candidates: string[]): string {
    for (const c of candidates) {
      if (!this.has(c)) {
        this.#taken.add(this.#key(c));
        return c;
      }
    }
    const base = candidates[candidates.length - 1] ?? '_unnamed';
    for (let i = 2; ; i += 1) {
      const c = `${base}_${i}`;
      if (!this.has(c)) {
        this.#taken.add(this.#key(c));
        return c;
      }
    }
  }
}

/** A short, readable suffix from a namespace URI: `http://example.com/schemas/B` → `B`. */
export function namespaceSuffix(ns: string): string {
  const words = ns
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/^urn:/i, '')
    .split(/[/:#]+/)
    .filter((w) => w !== '' && !/^www\./.test(w));
  const last = words[words.length - 1] ?? 'NoNamespace';
  return toPascal(last.replace(/\.(xsd|wsdl)$/i, ''));
}
