/**
 * Restriction facets (length, pattern, bounds, digits) of every simple type, read from the loaded
 * schema documents. The normalised schema model keeps only enumerations; a `SimpleTypeDef`'s `loc`
 * is the position of its `xsd:simpleType` (or simpleContent `xsd:restriction`) element, so facets
 * are indexed by that position.
 */
import {
  type SourceLocation,
  type SchemaDocument,
  isXsdNs,
  type XmlElement,
} from '../wsdl/index.js';

export interface Facets {
  readonly length?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** Every `xsd:pattern` of one restriction step (the value must match one of them). */
  readonly patterns?: readonly string[];
  readonly minInclusive?: string;
  readonly maxInclusive?: string;
  readonly minExclusive?: string;
  readonly maxExclusive?: string;
  readonly totalDigits?: number;
  readonly fractionDigits?: number;
}

export type FacetIndex = ReadonlyMap<string, Facets>;

export function facetKey(loc: SourceLocation): string {
  return `${loc.file}:${loc.line ?? 0}:${loc.column ?? 0}`;
}

const NUMERIC_FACETS = ['length', 'minLength', 'maxLength', 'totalDigits', 'fractionDigits'];
const LEXICAL_FACETS = ['minInclusive', 'maxInclusive', 'minExclusive', 'maxExclusive'];

function readRestriction(restriction: XmlElement): Facets | undefined {
  const out: Record<string, unknown> = {};
  const patterns: string[] = [];
  for (const c of restriction.children) {
    if (!isXsdNs(c.ns)) continue;
    const value = c.attrs.get('value');
    if (value === undefined) continue;
    if (c.local === 'pattern') patterns.push(value);
    else if (NUMERIC_FACETS.includes(c.local)) {
      const n = Number(value);
      if (Number.isInteger(n) && n >= 0) out[c.local] = n;
    } else if (LEXICAL_FACETS.includes(c.local)) out[c.local] = value.trim();
  }
  if (patterns.length > 0) out['patterns'] = patterns;
  return Object.keys(out).length === 0 ? undefined : out;
}

/** Walks every schema document once and indexes the facets of each restriction by position. */
export function readFacets(schemas: readonly SchemaDocument[]): FacetIndex {
  const index = new Map<string, Facets>();
  const seen = new Set<XmlElement>();
  const visit = (el: XmlElement): void => {
    if (seen.has(el)) return;
    seen.add(el);
    if (isXsdNs(el.ns)) {
      if (el.local === 'simpleType') {
        const r = el.children.find((c) => c.local === 'restriction' && isXsdNs(c.ns));
        const facets = r === undefined ? undefined : readRestriction(r);
        if (facets !== undefined) index.set(facetKey(el), facets);
      } else if (el.local === 'restriction') {
        // A simpleContent restriction is its own SimpleTypeDef (keyed by the restriction).
        const facets = readRestriction(el);
        if (facets !== undefined) index.set(facetKey(el), facets);
      }
    }
    for (const c of el.children) visit(c);
  };
  for (const s of schemas) visit(s.el);
  return index;
}
