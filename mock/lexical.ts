/**
 * Sample values of XSD built-in types in their lexical form, fitted to restriction facets: a list of
 * candidates per type, the first that satisfies every facet wins. Patterns are met by generating
 * from the (XSD-to-JavaScript translated) regular expression with a seeded `randexp`.
 */
import RandExpModule from 'randexp';
import type { Facets } from './facets.js';
import type { Rng } from './rng.js';

// randexp is CommonJS (`module.exports = RandExp`); its typings declare an ES default export.
type RandExpClass = typeof RandExpModule.default;
const RandExp = RandExpModule.default ?? RandExpModule;

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  int: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  integer: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  unsignedByte: [0, 255],
  unsignedShort: [0, 65535],
  unsignedInt: [0, 4294967295],
  unsignedLong: [0, Number.MAX_SAFE_INTEGER],
  nonNegativeInteger: [0, Number.MAX_SAFE_INTEGER],
  positiveInteger: [1, Number.MAX_SAFE_INTEGER],
  nonPositiveInteger: [Number.MIN_SAFE_INTEGER, 0],
  negativeInteger: [Number.MIN_SAFE_INTEGER, -1],
};

const DECIMALS = ['decimal', 'float', 'double'];
const NAMES = [
  'Name',
  'NCName',
  'ID',
  'IDREF',
  'ENTITY',
  'NMTOKEN',
  'IDREFS',
  'ENTITIES',
  'NMTOKENS',
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Translates an XSD regular expression to JavaScript (anchored), or undefined when impossible. */
export function xsdPatternToRegExp(pattern: string): RegExp | undefined {
  if (/-\[/.test(pattern)) return undefined; // character class subtraction
  const js = pattern
    .replace(/\\i/g, '[A-Za-z_:]')
    .replace(/\\I/g, '[^A-Za-z_:]')
    .replace(/\\c/g, '[-._:A-Za-z0-9]')
    .replace(/\\C/g, '[^-._:A-Za-z0-9]');
  try {
    return new RegExp(`^(?:${js})$`, 'u');
  } catch {
    try {
      return new RegExp(`^(?:${js})$`);
    } catch {
      return undefined;
    }
  }
}

function digitsOf(lexical: string): { total: number; fraction: number } {
  const [intPart = '', frac = ''] = lexical.replace(/^[-+]/, '').split('.');
  const fraction = frac.replace(/0+$/, '').length;
  const total = intPart.replace(/^0+/, '').length + fraction;
  return { total: Math.max(total, 1), fraction };
}

const NUMERIC = new Set([...Object.keys(INTEGER_RANGES), ...DECIMALS]);

/** Whether `value` satisfies every facet; `numeric` compares bounds as numbers, else lexically. */
export function satisfies(value: string, facets: Facets, type: string): boolean {
  const numeric = NUMERIC.has(type);
  const len = [...value].length;
  if (!numeric) {
    if (facets.length !== undefined && len !== facets.length) return false;
    if (facets.minLength !== undefined && len < facets.minLength) return false;
    if (facets.maxLength !== undefined && len > facets.maxLength) return false;
  }
  const cmp = (bound: string): number =>
    numeric ? Number(value) - Number(bound) : value < bound ? -1 : value > bound ? 1 : 0;
  if (facets.minInclusive !== undefined && cmp(facets.minInclusive) < 0) return false;
  if (facets.maxInclusive !== undefined && cmp(facets.maxInclusive) > 0) return false;
  if (facets.minExclusive !== undefined && cmp(facets.minExclusive) <= 0) return false;
  if (facets.maxExclusive !== undefined && cmp(facets.maxExclusive) >= 0) return false;
  if (numeric) {
    const d = digitsOf(value);
    if (facets.totalDigits !== undefined && d.total > facets.totalDigits) return false;
    if (facets.fractionDigits !== undefined && d.fraction > facets.fractionDigits) return false;
  }
  if (facets.patterns !== undefined && facets.patterns.length > 0) {
    const ok = facets.patterns.some((p) => xsdPatternToRegExp(p)?.test(value) ?? true);
    if (!ok) return false;
  }
  return true;
}

function fromPattern(patterns: readonly string[], rng: Rng): string[] {
  const out: string[] = [];
  for (const p of patterns) {
    const re = xsdPatternToRegExp(p);
    if (re === undefined) continue;
    let gen: InstanceType<RandExpClass>;
    try {
      gen = new RandExp(re);
    } catch {
      continue;
    }
    gen.max = 3;
    gen.randInt = (a: number, b: number) => rng.int(a, b);
    // Printable ASCII letters and digits for `.` and negated classes: readable and XML-safe.
    gen.defaultRange.subtract(32, 126);
    gen.defaultRange.add(48, 57);
    gen.defaultRange.add(65, 90);
    gen.defaultRange.add(97, 122);
    for (let i = 0; i < 8; i += 1) {
      try {
        out.push(gen.gen());
      } catch {
        break;
      }
    }
  }
  return out;
}

function stringOfLength(base: string, facets: Facets): string {
  const want =
    facets.length ??
    Math.min(
      Math.max(base.length, facets.minLength ?? 0),
      facets.maxLength ?? Number.POSITIVE_INFINITY,
    );
  if (want <= base.length) return base.slice(0, want);
  let s = base;
  while (s.length < want) s += base;
  return s.slice(0, want);
}

/** Candidate lexical values of built-in `type` (local name), most natural first. */
function candidates(type: string, facets: Facets, rng: Rng): string[] {
  const bounds = [facets.minInclusive, facets.maxInclusive].filter(
    (b): b is string => b !== undefined,
  );
  const range = INTEGER_RANGES[type];
  if (range !== undefined) {
    let lo = range[0];
    let hi = range[1];
    if (facets.minInclusive !== undefined)
      lo = Math.max(lo, Math.ceil(Number(facets.minInclusive)));
    if (facets.minExclusive !== undefined)
      lo = Math.max(lo, Math.floor(Number(facets.minExclusive)) + 1);
    if (facets.maxInclusive !== undefined)
      hi = Math.min(hi, Math.floor(Number(facets.maxInclusive)));
    if (facets.maxExclusive !== undefined)
      hi = Math.min(hi, Math.ceil(Number(facets.maxExclusive)) - 1);
    if (facets.totalDigits !== undefined) {
      const cap = 10 ** facets.totalDigits - 1;
      hi = Math.min(hi, cap);
      lo = Math.max(lo, -cap);
    }
    const preferred = rng.int(1, 100);
    const pick = lo > hi ? lo : Math.min(Math.max(preferred, lo), hi);
    return [String(pick), String(lo), String(hi), ...bounds];
  }
  if (DECIMALS.includes(type)) {
    const whole = rng.int(1, 99);
    return [`${whole}.25`, `${whole}.5`, String(whole), '1.5', '1', '0', ...bounds];
  }
  const day = rng.int(1, 28);
  const month = rng.int(1, 12);
  const date = `2024-${pad(month)}-${pad(day)}`;
  const time = `${pad(rng.int(8, 17))}:${pad(rng.int(0, 59))}:00`;
  switch (type) {
    case 'boolean':
      return rng.int(0, 1) === 0 ? ['true', 'false', '1', '0'] : ['false', 'true', '0', '1'];
    case 'date':
      return [date, ...bounds];
    case 'dateTime':
    case 'dateTimeStamp':
      return [`${date}T${time}Z`, ...bounds];
    case 'time':
      return [time, ...bounds];
    case 'duration':
      return [`P${day}DT${rng.int(1, 23)}H`, 'P1D', ...bounds];
    case 'gYear':
      return ['2024', ...bounds];
    case 'gYearMonth':
      return [`2024-${pad(month)}`, ...bounds];
    case 'gMonth':
      return [`--${pad(month)}`, ...bounds];
    case 'gDay':
      return [`---${pad(day)}`, ...bounds];
    case 'gMonthDay':
      return [`--${pad(month)}-${pad(day)}`, ...bounds];
    case 'base64Binary':
      return ['c2FtcGxl', stringOfLength('QUFB', facets)];
    case 'hexBinary':
      return ['CAFE', stringOfLength('AB', facets)];
    case 'anyURI':
      return ['http://example.com/sample', stringOfLength('urn:x', facets)];
    case 'language':
      return ['en', 'en-GB'];
    case 'QName':
    case 'NOTATION':
      return ['sample'];
    default:
      break;
  }
  const word = NAMES.includes(type) ? `id${rng.int(1, 999)}` : `sample${rng.int(1, 999)}`;
  return [word, stringOfLength(word, facets), stringOfLength('x', facets), ...bounds];
}

/**
 * A value of built-in `type` satisfying `facets`; `fitted` is false when no candidate did (the
 * first candidate is returned then, and the caller notes it).
 */
export function lexicalSample(
  type: string,
  facets: Facets,
  rng: Rng,
): { value: string; fitted: boolean } {
  const list = candidates(type, facets, rng);
  if (facets.patterns !== undefined && facets.patterns.length > 0) {
    list.unshift(...fromPattern(facets.patterns, rng));
  }
  for (const c of list) if (satisfies(c, facets, type)) return { value: c, fitted: true };
  return { value: list[0] ?? '', fitted: false };
}
