/**
 * Schema-valid sample data from the normalised XSD model, in the object shape node-soap serialises:
 * child elements as keys, repeated elements as arrays, attributes under `attributes`, simple content
 * beside attributes as `$value`, and `attributes.xsi_type` where an abstract type is replaced by a
 * concrete subtype. Deterministic: every message is built from its own seeded generator.
 */
import {
  isXsdNs,
  SOAP11_ENC_NS,
  SOAP12_ENC_NS,
  XML_NS,
  type AttributeItem,
  type ComplexTypeDef,
  type ElementDecl,
  type Particle,
  type SchemaSet,
  type SimpleTypeDef,
  type TypeDef,
  type TypeUse,
  type BodyBinding,
  type WsdlMessage,
  qnameKey,
  type QName,
} from '../wsdl/index.js';
import { facetKey, type FacetIndex, type Facets } from './facets.js';
import { lexicalSample } from './lexical.js';
import { createRng, hashSeed, type Rng } from './rng.js';

/** A value as node-soap takes it for serialisation. */
export type SoapValue = string | SoapValue[] | { [key: string]: SoapValue };
export type SoapObject = { [key: string]: SoapValue };

export interface SampleOptions {
  /** Seed of every generator. @defaultValue 1 */
  readonly seed?: number;
  /** Optional elements and attributes are included down to this nesting depth. @defaultValue 6 */
  readonly optionalDepth?: number;
  /** Past this many generated elements, optional content is left out. @defaultValue 2000 */
  readonly maxNodes?: number;
}

export const DEFAULT_SAMPLE_SEED = 1;
const DEFAULT_OPTIONAL_DEPTH = 6;
const DEFAULT_MAX_NODES = 2000;
/** Required content nested deeper than this is cut (a schema that demands infinite depth). */
const HARD_DEPTH = 40;

interface Context {
  readonly rng: Rng;
  /** Named types being expanded, outermost first (recursion guard). */
  readonly stack: string[];
  nodes: number;
}

function isBuiltin(ns: string): boolean {
  return isXsdNs(ns) || ns === SOAP11_ENC_NS || ns === SOAP12_ENC_NS || ns === XML_NS;
}

function merge(into: Facets, from: Facets | undefined): Facets {
  if (from === undefined) return into;
  // The most derived step wins: keep what `into` (closer to the element) already has.
  return { ...from, ...into };
}

export class SampleBuilder {
  readonly #set: SchemaSet;
  readonly #facets: FacetIndex;
  readonly #seed: number;
  readonly #optionalDepth: number;
  readonly #maxNodes: number;
  /** Base type key to the named types derived from it. */
  readonly #derived = new Map<string, string[]>();
  /** Head element key to the elements of its substitution group. */
  readonly #substitutes = new Map<string, string[]>();
  /** Facets or constructs a sample could not satisfy (reported once each). */
  readonly warnings = new Set<string>();

  constructor(set: SchemaSet, facets: FacetIndex, options: SampleOptions = {}) {
    this.#set = set;
    this.#facets = facets;
    this.#seed = options.seed ?? DEFAULT_SAMPLE_SEED;
    this.#optionalDepth = options.optionalDepth ?? DEFAULT_OPTIONAL_DEPTH;
    this.#maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
    for (const [key, def] of [...set.types].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (def.kind !== 'complex' || def.derivation === undefined) continue;
      const base = qnameKey(def.derivation.base);
      this.#derived.set(base, [...(this.#derived.get(base) ?? []), key]);
    }
    for (const [key, el] of [...set.elements].sort((a, b) => a[0].localeCompare(b[0]))) {
      if (el.substitutionGroup === undefined) continue;
      const head = qnameKey(el.substitutionGroup);
      this.#substitutes.set(head, [...(this.#substitutes.get(head) ?? []), key]);
    }
  }

  /**
   * The body of a message as node-soap's server returns it: for document style with one part, the
   * content of its element; otherwise an object keyed by part (rpc) or element (document) name.
   * `key` seeds the generator (use the service, port and operation name).
   */
  message(
    msg: WsdlMessage | undefined,
    style: 'rpc' | 'document',
    body: BodyBinding | undefined,
    messageKey: string,
    key: string,
  ): SoapValue {
    const ctx: Context = { rng: createRng(hashSeed(this.#seed, key)), stack: [], nodes: 0 };
    if (msg === undefined) return {};
    const parts = msg.parts.filter(
      (p) =>
        (body?.parts === undefined || body.parts.includes(p.name)) &&
        !(body?.headers ?? []).some((h) => h.message === messageKey && h.part === p.name),
    );
    const partValue = (p: (typeof parts)[number]): { name: string; value: SoapValue } => {
      if (p.element !== undefined) {
        const el = this.#set.elements.get(qnameKey(p.element));
        if (el === undefined) return { name: p.element.name, value: 'sample' };
        const v = this.#elementValue(this.#concreteElement(el, ctx), 1, ctx);
        return { name: style === 'document' ? el.name : p.name, value: v };
      }
      const use: TypeUse | undefined =
        p.type === undefined ? undefined : { kind: 'named', qname: p.type };
      return { name: p.name, value: this.#typeValue(use, 1, ctx) };
    };
    const only = parts[0];
    if (style === 'document' && parts.length === 1 && only !== undefined)
      return partValue(only).value;
    const out: SoapObject = {};
    for (const p of parts) {
      const { name, value } = partValue(p);
      out[name] = value;
    }
    return out;
  }

  /** A sample value of the global element `{ns}name` (its content, as in `message`). */
  element(qname: QName, key = qnameKey(qname)): SoapValue | undefined {
    const el = this.#set.elements.get(qnameKey(qname));
    if (el === undefined) return undefined;
    const ctx: Context = { rng: createRng(hashSeed(this.#seed, key)), stack: [], nodes: 0 };
    return this.#elementValue(this.#concreteElement(el, ctx), 1, ctx);
  }

  #optionalAllowed(depth: number, ctx: Context): boolean {
    return depth <= this.#optionalDepth && ctx.nodes < this.#maxNodes;
  }

  /** An abstract head element is replaced by a concrete member of its substitution group. */
  #concreteElement(el: ElementDecl, ctx: Context): ElementDecl {
    if (!el.abstract) return el;
    const members: ElementDecl[] = [];
    const visit = (key: string, guard: Set<string>): void => {
      for (const m of this.#substitutes.get(key) ?? []) {
        if (guard.has(m)) continue;
        guard.add(m);
        const decl = this.#set.elements.get(m);
        if (decl === undefined) continue;
        if (!decl.abstract) members.push(decl);
        visit(m, guard);
      }
    };
    visit(`{${el.ns}}${el.name}`, new Set());
    if (members.length === 0) {
      this.warnings.add(`abstract element '${el.name}' has no concrete substitute`);
      return el;
    }
    return members[ctx.rng.int(0, members.length - 1)] ?? el;
  }

  #elementValue(el: ElementDecl, depth: number, ctx: Context): SoapValue {
    ctx.nodes += 1;
    return this.#typeValue(el.type, depth, ctx);
  }

  #typeValue(use: TypeUse | undefined, depth: number, ctx: Context): SoapValue {
    if (use === undefined) return 'sample';
    if (use.kind === 'anonymous') return this.#defValue(use.def, depth, ctx);
    const { ns, name } = use.qname;
    if (isBuiltin(ns)) return lexicalSample(name, {}, ctx.rng).value;
    const key = qnameKey(use.qname);
    const def = this.#set.types.get(key);
    if (def === undefined) return 'sample';
    if (def.kind === 'complex' && def.abstract) {
      const concrete = this.#concreteSubtype(key, ctx);
      if (concrete === undefined) {
        this.warnings.add(`abstract type '${name}' has no concrete subtype`);
      } else {
        const [subKey, subDef] = concrete;
        const value = this.#named(subKey, subDef, depth, ctx);
        const obj: SoapObject =
          typeof value === 'object' && !Array.isArray(value) ? value : { $value: value };
        const attrs = (obj['attributes'] ?? {}) as SoapObject;
        obj['attributes'] = {
          ...attrs,
          xsi_type: { type: subDef.name ?? '', xmlns: subDef.ns },
        };
        return obj;
      }
    }
    return this.#named(key, def, depth, ctx);
  }

  #named(key: string, def: TypeDef, depth: number, ctx: Context): SoapValue {
    ctx.stack.push(key);
    try {
      return this.#defValue(def, depth, ctx);
    } finally {
      ctx.stack.pop();
    }
  }

  #concreteSubtype(key: string, ctx: Context): [string, ComplexTypeDef] | undefined {
    const found: [string, ComplexTypeDef][] = [];
    const queue = [key];
    const seen = new Set(queue);
    while (queue.length > 0) {
      const k = queue.shift() ?? '';
      for (const d of this.#derived.get(k) ?? []) {
        if (seen.has(d)) continue;
        seen.add(d);
        const def = this.#set.types.get(d);
        if (def?.kind === 'complex' && !def.abstract && def.name !== undefined)
          found.push([d, def]);
        queue.push(d);
      }
    }
    return found.length === 0 ? undefined : found[ctx.rng.int(0, found.length - 1)];
  }

  #defValue(def: TypeDef, depth: number, ctx: Context): SoapValue {
    if (def.kind === 'simple') return this.#simple(def, {}, ctx);
    return this.#complex(def, depth, ctx);
  }

  /** The simple value of a simple type: enumerations first, then facets down the base chain. */
  #simple(def: SimpleTypeDef, facets: Facets, ctx: Context, guard = 0): string {
    if (def.enumerations.length > 0)
      return def.enumerations[ctx.rng.int(0, def.enumerations.length - 1)] ?? '';
    const merged = merge(facets, this.#facets.get(facetKey(def.loc)));
    if (guard > 30) return 'sample';
    if (def.variety === 'list') {
      const item = this.#simpleUse(def.itemType, {}, ctx, guard + 1);
      return ctx.rng.int(1, 2) === 1
        ? item
        : `${item} ${this.#simpleUse(def.itemType, {}, ctx, guard + 1)}`;
    }
    if (def.variety === 'union') return this.#simpleUse(def.memberTypes[0], merged, ctx, guard + 1);
    return this.#simpleUse(def.base, merged, ctx, guard + 1);
  }

  #simpleUse(use: TypeUse | undefined, facets: Facets, ctx: Context, guard: number): string {
    if (use === undefined) return this.#lexical('string', facets, ctx);
    if (use.kind === 'anonymous')
      return use.def.kind === 'simple' ? this.#simple(use.def, facets, ctx, guard) : 'sample';
    if (isBuiltin(use.qname.ns)) return this.#lexical(use.qname.name, facets, ctx);
    const def = this.#set.types.get(qnameKey(use.qname));
    if (def === undefined) return this.#lexical('string', facets, ctx);
    if (def.kind === 'simple') return this.#simple(def, facets, ctx, guard);
    // A complex type with simple content used as a base: its value type.
    return this.#simpleContent(def, facets, ctx, guard);
  }

  #lexical(type: string, facets: Facets, ctx: Context): string {
    const { value, fitted } = lexicalSample(type, facets, ctx.rng);
    if (!fitted) this.warnings.add(`no sample of xsd:${type} satisfies ${JSON.stringify(facets)}`);
    return value;
  }

  /** The value type of a simpleContent complex type, with its restriction's facets. */
  #simpleContent(def: ComplexTypeDef, facets: Facets, ctx: Context, guard: number): string {
    if (guard > 30) return 'sample';
    const r = def.simpleRestriction;
    if (r !== undefined) {
      if (r.enumerations.length > 0) return this.#simple(r, facets, ctx, guard + 1);
      const merged = merge(facets, this.#facets.get(facetKey(r.loc)));
      if (r.base !== undefined) return this.#simpleUse(r.base, merged, ctx, guard + 1);
      facets = merged;
    }
    if (def.derivation === undefined) return this.#lexical('string', facets, ctx);
    return this.#simpleUse({ kind: 'named', qname: def.derivation.base }, facets, ctx, guard + 1);
  }

  #complex(def: ComplexTypeDef, depth: number, ctx: Context): SoapValue {
    const out: SoapObject = {};
    const attrs: SoapObject = {};
    const optional = this.#optionalAllowed(depth, ctx) && !this.#recursing(ctx);
    // Content and attributes along the derivation chain, base first.
    const chain: ComplexTypeDef[] = [];
    let cur: ComplexTypeDef | undefined = def;
    const seen = new Set<ComplexTypeDef>();
    while (cur !== undefined && !seen.has(cur)) {
      seen.add(cur);
      chain.unshift(cur);
      const d: ComplexTypeDef['derivation'] = cur.derivation;
      const base: TypeDef | undefined =
        d === undefined ? undefined : this.#set.types.get(qnameKey(d.base));
      cur = base?.kind === 'complex' ? base : undefined;
    }
    const simpleContent = chain.some((c) => c.derivation?.simpleContent === true);
    const arrayType = this.#arrayType(chain);
    if (arrayType !== undefined) {
      const n = ctx.rng.int(1, 2);
      const items: SoapValue[] = [];
      for (let i = 0; i < n; i += 1) items.push(this.#typeValue(arrayType, depth + 1, ctx));
      return { item: items };
    }
    for (const c of chain) {
      // A complexContent restriction restates its content: the base's particles do not add up.
      if (c.derivation?.method === 'restriction' && !c.derivation.simpleContent) {
        for (const k of Object.keys(out)) Reflect.deleteProperty(out, k);
      }
      if (!simpleContent && c.particle !== undefined)
        this.#particle(c.particle, depth, ctx, out, optional);
      this.#attributes(c.attributes, ctx, attrs, optional, new Set());
    }
    if (simpleContent) {
      const value = this.#simpleContent(def, {}, ctx, 0);
      if (Object.keys(attrs).length === 0) return value;
      return { attributes: attrs, $value: value };
    }
    if (Object.keys(attrs).length > 0) out['attributes'] = attrs;
    return out;
  }

  /** SOAP-encoding arrays (`soapenc:Array` restrictions with `wsdl:arrayType`): their item type. */
  #arrayType(chain: readonly ComplexTypeDef[]): TypeUse | undefined {
    for (const c of chain) {
      for (const a of c.attributes) {
        if (a.kind === 'attribute' && a.arrayType !== undefined) {
          const name = a.arrayType.name.replace(/\[[\d,]*\]$/, '');
          return { kind: 'named', qname: { ns: a.arrayType.ns, name } };
        }
      }
    }
    return undefined;
  }

  #recursing(ctx: Context): boolean {
    const top = ctx.stack[ctx.stack.length - 1];
    return top !== undefined && ctx.stack.indexOf(top) !== ctx.stack.length - 1;
  }

  #particle(p: Particle, depth: number, ctx: Context, out: SoapObject, optional: boolean): void {
    if (depth > HARD_DEPTH) {
      this.warnings.add(`content nested deeper than ${HARD_DEPTH} levels was cut`);
      return;
    }
    switch (p.kind) {
      case 'any':
        return;
      case 'groupRef': {
        if (p.min === 0 && !optional) return;
        const g = this.#set.groups.get(qnameKey(p.ref));
        if (g !== undefined) this.#particle(g.particle, depth, ctx, out, optional);
        return;
      }
      case 'sequence':
      case 'all':
        if (p.min === 0 && !optional) return;
        for (const child of p.particles) this.#particle(child, depth, ctx, out, optional);
        return;
      case 'choice': {
        if (p.min === 0 && !optional) return;
        // Prefer a branch that does not lead back into a type being expanded.
        const safe = p.particles.filter((b) => !this.#leadsBack(b, ctx));
        const branches = safe.length > 0 ? safe : p.particles;
        const pick = branches[ctx.rng.int(0, branches.length - 1)];
        if (pick !== undefined) this.#particle(pick, depth, ctx, out, optional);
        return;
      }
      case 'element':
        this.#elementParticle(p, depth, ctx, out, optional);
        return;
    }
  }

  #leadsBack(p: Particle, ctx: Context): boolean {
    if (p.kind !== 'element') return false;
    const decl = p.ref === undefined ? p : this.#set.elements.get(qnameKey(p.ref));
    const t = decl?.type;
    return t?.kind === 'named' && ctx.stack.includes(qnameKey(t.qname));
  }

  #elementParticle(
    p: ElementDecl,
    depth: number,
    ctx: Context,
    out: SoapObject,
    optional: boolean,
  ): void {
    if (p.max === 0) return;
    if (p.min === 0 && (!optional || this.#leadsBack(p, ctx))) return;
    let decl: ElementDecl = p;
    if (p.ref !== undefined) {
      const global = this.#set.elements.get(qnameKey(p.ref));
      if (global === undefined) return;
      decl = this.#concreteElement(global, ctx);
    }
    const n = Math.min(Math.max(p.min, ctx.rng.int(1, 2)), p.max, Math.max(p.min, 2));
    const values: SoapValue[] = [];
    for (let i = 0; i < n; i += 1) values.push(this.#elementValue(decl, depth + 1, ctx));
    out[decl.name] = p.max > 1 ? values : (values[0] ?? '');
  }

  #attributes(
    items: readonly AttributeItem[],
    ctx: Context,
    out: SoapObject,
    optional: boolean,
    guard: Set<string>,
  ): void {
    for (const item of items) {
      if (item.kind === 'attributeGroupRef') {
        const key = qnameKey(item.ref);
        if (guard.has(key)) continue;
        guard.add(key);
        const g = this.#set.attributeGroups.get(key);
        if (g !== undefined) this.#attributes(g.attributes, ctx, out, optional, guard);
        continue;
      }
      if (item.arrayType !== undefined || item.use === 'prohibited') continue;
      if (item.use === 'optional' && !optional) continue;
      const decl = item.ref === undefined ? item : this.#set.attributes.get(qnameKey(item.ref));
      const name = item.ref?.name ?? item.name;
      // xml:lang and friends need the xml prefix; node-soap writes attribute names as given.
      const qualified = item.ref !== undefined && item.ref.ns === XML_NS ? `xml:${name}` : name;
      out[qualified] = this.#simpleUse(decl?.type, {}, ctx, 0);
    }
  }
}
