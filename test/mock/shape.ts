/**
 * Checks a value node-soap's client parsed from a response against the normalised schema: required
 * elements and attributes present, enumeration values listed, built-in values of the right form.
 * Independent of the mock's sample builder, so a sample that breaks the schema is caught.
 */
import type { CodeModel } from '../../codegen/internal.js';
import { facetKey, type FacetIndex } from '../../mock/facets.js';

type Set = CodeModel['schema'];
type TypeDef = Set['types'] extends Map<string, infer T> ? T : never;
type ElementDecl = Set['elements'] extends Map<string, infer E> ? E : never;
type Particle = NonNullable<Extract<TypeDef, { kind: 'complex' }>['particle']>;
type TypeUse = NonNullable<ElementDecl['type']>;

const XSD = ['http://www.w3.org/2001/XMLSchema', 'http://www.w3.org/1999/XMLSchema'];
const INTEGERS =
  /^(int|integer|long|short|byte|unsigned\w+|(non)?(Positive|Negative)Integer|nonNegativeInteger|positiveInteger|negativeInteger|nonPositiveInteger)$/;

function key(q: { ns: string; name: string }): string {
  return `{${q.ns}}${q.name}`;
}

function text(v: unknown): string | undefined {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object' && v !== null && '$value' in v) return text(v.$value);
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export class ShapeChecker {
  readonly errors: string[] = [];
  constructor(
    private readonly set: Set,
    private readonly facets: FacetIndex = new Map(),
  ) {}

  /** Length, bounds and pattern facets of one restriction step (checked here, not by the generator's code). */
  #facets(def: TypeDef, value: unknown, path: string): void {
    const f = this.facets.get(facetKey(def.loc));
    const s = text(value);
    if (f === undefined || s === undefined) return;
    const len = [...s].length;
    const fail = (what: string): void => {
      this.errors.push(`${path}: '${s}' breaks ${what}`);
    };
    if (f.length !== undefined && len !== f.length) fail(`length ${f.length}`);
    if (f.minLength !== undefined && len < f.minLength) fail(`minLength ${f.minLength}`);
    if (f.maxLength !== undefined && len > f.maxLength) fail(`maxLength ${f.maxLength}`);
    if (f.minInclusive !== undefined && Number(s) < Number(f.minInclusive))
      fail(`minInclusive ${f.minInclusive}`);
    if (f.maxInclusive !== undefined && Number(s) > Number(f.maxInclusive))
      fail(`maxInclusive ${f.maxInclusive}`);
    const patterns = (f.patterns ?? []).flatMap((p) => {
      try {
        return [new RegExp(`^(?:${p})$`, 'u')];
      } catch {
        return [];
      }
    });
    if (patterns.length > 0 && !patterns.some((re) => re.test(s)))
      fail(`pattern ${f.patterns?.join(' | ') ?? ''}`);
  }

  checkElement(qname: { ns: string; name: string }, value: unknown, path: string): void {
    const el = this.set.elements.get(key(qname));
    if (el === undefined) return;
    this.#use(el.type, value, path, 0);
  }

  checkType(use: TypeUse | undefined, value: unknown, path: string): void {
    this.#use(use, value, path, 0);
  }

  #use(use: TypeUse | undefined, value: unknown, path: string, depth: number): void {
    if (use === undefined || depth > 30) return;
    if (use.kind === 'anonymous') return this.#def(use.def, value, path, depth);
    if (XSD.includes(use.qname.ns)) return this.#builtin(use.qname.name, value, path);
    const def = this.set.types.get(key(use.qname));
    if (def === undefined) return;
    // A subtype arrives with xsi:type; its content is checked loosely (the declared type's required part).
    this.#def(def, value, path, depth);
  }

  #builtin(name: string, value: unknown, path: string): void {
    const s = text(value);
    if (s === undefined) return;
    const bad = (what: string): void => {
      this.errors.push(`${path}: '${s}' is not ${what}`);
    };
    if (INTEGERS.test(name) && !/^[-+]?\d+$/.test(s)) bad(`an xsd:${name}`);
    if ((name === 'decimal' || name === 'double' || name === 'float') && Number.isNaN(Number(s)))
      bad(`an xsd:${name}`);
    if (name === 'boolean' && !/^(true|false|1|0)$/.test(s)) bad('an xsd:boolean');
    if ((name === 'date' || name === 'dateTime') && Number.isNaN(Date.parse(s)))
      bad(`an xsd:${name}`);
  }

  #enumerations(def: TypeDef, guard = 0): readonly string[] {
    if (guard > 20) return [];
    if (def.kind === 'complex') {
      const r = def.simpleRestriction;
      return r === undefined ? [] : this.#enumerations(r, guard + 1);
    }
    if (def.enumerations.length > 0) return def.enumerations;
    const base = def.base;
    if (base?.kind === 'named') {
      const b = this.set.types.get(key(base.qname));
      return b === undefined ? [] : this.#enumerations(b, guard + 1);
    }
    return [];
  }

  #def(def: TypeDef, value: unknown, path: string, depth: number): void {
    const enums = this.#enumerations(def);
    if (enums.length > 0) {
      const s = text(value);
      if (s !== undefined && !enums.includes(s))
        this.errors.push(`${path}: '${s}' is not one of ${enums.join(', ')}`);
      return;
    }
    if (def.kind === 'simple') {
      this.#facets(def, value, path);
      if (def.variety === 'atomic' && def.base?.kind === 'named')
        this.#use(def.base, value, path, depth + 1);
      return;
    }
    if (def.abstract) return;
    // Particles and attributes along the derivation chain.
    const particles: Particle[] = [];
    const attrs: string[] = [];
    let cur: TypeDef | undefined = def;
    const seen = new globalThis.Set<TypeDef>();
    while (cur?.kind === 'complex' && !seen.has(cur)) {
      seen.add(cur);
      if (cur.particle !== undefined) particles.push(cur.particle);
      for (const a of cur.attributes)
        if (a.kind === 'attribute' && a.use === 'required' && a.arrayType === undefined)
          attrs.push(a.ref?.name ?? a.name);
      if (cur.derivation?.method === 'restriction') break;
      cur = cur.derivation === undefined ? undefined : this.set.types.get(key(cur.derivation.base));
    }
    const obj =
      typeof value === 'object' && value !== null && !(value instanceof Date)
        ? (value as Record<string, unknown>)
        : undefined;
    const attributes = (obj?.['attributes'] ?? {}) as Record<string, unknown>;
    for (const a of attrs)
      if (!(a in attributes)) this.errors.push(`${path}: required attribute '${a}' missing`);
    for (const p of particles) this.#particle(p, obj, path, depth, true);
  }

  #particle(
    p: Particle,
    obj: Record<string, unknown> | undefined,
    path: string,
    depth: number,
    required: boolean,
  ): void {
    switch (p.kind) {
      case 'any':
        return;
      case 'groupRef': {
        const g = this.set.groups.get(key(p.ref));
        if (g !== undefined) this.#particle(g.particle, obj, path, depth, required && p.min > 0);
        return;
      }
      case 'sequence':
      case 'all':
        for (const c of p.particles) this.#particle(c, obj, path, depth, required && p.min > 0);
        return;
      case 'choice':
        // Any branch will do; check what is there.
        for (const c of p.particles) this.#particle(c, obj, path, depth, false);
        return;
      case 'element': {
        const decl = p.ref === undefined ? p : this.set.elements.get(key(p.ref));
        if (decl === undefined) return;
        const name = decl.name;
        const v = obj?.[name];
        if (v === undefined || v === null) {
          if (required && p.min > 0 && !decl.abstract && !p.nillable)
            this.errors.push(`${path}: required element '${name}' missing`);
          return;
        }
        const items = Array.isArray(v) ? v : [v];
        if (items.length > p.max)
          this.errors.push(`${path}.${name}: ${items.length} items, at most ${p.max}`);
        items.forEach((item, i) =>
          this.#use(
            decl.type,
            item,
            `${path}.${name}${Array.isArray(v) ? `[${i}]` : ''}`,
            depth + 1,
          ),
        );
      }
    }
  }
}
