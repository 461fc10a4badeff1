/**
 * Where numbers and booleans sit in an operation's output, so the client runtime can convert what
 * node-soap leaves as text (it types values only where its own schema lookup succeeds, which it
 * does not for rpc parts, element refs or xsi:type subtypes). For a SOAP-encoded output the spec
 * describes every value, text and attributes included, because each of them may arrive wrapped in
 * its `xsi:type` (see `BodyUse` in the runtime).
 */
import type { BodyUse, Coercion, CoercionLeaf } from '../soap-client/index.js';
import type { ShapeBuilder } from './shape-builder.js';
import type { TypeExpr } from './type-expr.js';
import type { TypeMapper } from './type-mapper.js';

export type { Coercion };

function isList(spec: string): boolean {
  return spec.endsWith('[]') || spec.endsWith('[*]');
}

export class CoercionBuilder {
  readonly #m: TypeMapper;
  readonly #shapes: ShapeBuilder;
  readonly #use: BodyUse;
  /** Named entries (by table name, see {@link CoercionBuilder.key}); null while being computed. */
  readonly table = new Map<string, Coercion | null>();

  /** `use`: the specs describe literal results, or encoded ones (every value described). */
  constructor(mapper: TypeMapper, shapes: ShapeBuilder, use: BodyUse = 'literal') {
    this.#m = mapper;
    this.#shapes = shapes;
    this.#use = use;
  }

  /** The table name of the type named `name`: encoded specs differ, so they have their own. */
  key(name: string): string {
    return this.#use === 'encoded' ? `encoded:${name}` : name;
  }

  /** A table reference replaced by its entry when that is known (for merging). */
  #expand(c: Coercion): Coercion {
    if (typeof c !== 'string' || !c.startsWith('@') || isList(c)) return c;
    return this.table.get(c.slice(1)) ?? c;
  }

  /** Merges two specs of one value (union members, a base and its extension). */
  #merge(a: Coercion | undefined, b: Coercion | undefined, depth = 0): Coercion | undefined {
    if (a === undefined) return b;
    if (b === undefined) return a;
    // Expanding references a few levels deep is enough; recursive types would never end.
    if (depth > 3) return a;
    const x = this.#expand(a);
    const y = this.#expand(b);
    if (typeof x === 'string' && typeof y === 'string') return x;
    if (typeof x === 'string') return y;
    if (typeof y === 'string') return x;
    const out: Record<string, Coercion> = { ...x };
    for (const [k, v] of Object.entries(y)) {
      const m = this.#merge(out[k], v, depth + 1);
      if (m !== undefined) out[k] = m;
    }
    return out;
  }

  of(expr: TypeExpr, depth = 0): Coercion | undefined {
    if (depth > 64) return undefined;
    switch (expr.k) {
      case 'keyword':
        if (expr.name === 'string') return this.#use === 'encoded' ? 's' : undefined;
        return expr.name === 'number' ? 'n' : expr.name === 'boolean' ? 'b' : undefined;
      case 'literal':
        return this.#use === 'encoded' ? 's' : undefined;
      case 'array': {
        const list = expr.encoded === true ? '[*]' : '[]';
        const inner = this.of(expr.item, depth + 1);
        if (inner === undefined) return list;
        if (typeof inner !== 'string') return { ...inner, [list]: list };
        if (!isList(inner)) return `${inner as CoercionLeaf}${list}`;
        // A SOAP array of lists: the inner list is an entry of its own, so the two can nest.
        if (expr.item.k === 'ref' && (list === '[*]' || inner.endsWith('[*]'))) {
          const key = this.key(expr.item.name);
          this.table.set(key, inner);
          return `@${key}${list}`;
        }
        return inner;
      }
      case 'union':
      case 'intersection': {
        let out: Coercion | undefined;
        for (const item of expr.items) out = this.#merge(out, this.of(item, depth + 1));
        return out;
      }
      case 'omit':
        return this.of(expr.base, depth + 1);
      case 'object': {
        const out: Record<string, Coercion> = {};
        for (const p of expr.props) {
          // Attributes are text and typed as such; an encoded spec names them, so they are kept.
          if (p.name === 'attributes' && this.#use === 'literal') continue;
          const c = this.of(p.type, depth + 1);
          if (c !== undefined) out[p.name] = c;
        }
        // An encoded object is described even when empty: its SOAP-encoding attributes go.
        return Object.keys(out).length === 0 && this.#use === 'literal' ? undefined : out;
      }
      case 'ref':
        return this.#named(expr.name, depth);
    }
  }

  #named(name: string, depth: number): Coercion | undefined {
    const key = this.key(name);
    if (this.table.has(key)) {
      const entry = this.table.get(key);
      return entry === null ? `@${key}` : entry === undefined ? undefined : `@${key}`;
    }
    const decl = this.#m.declarationOf(name);
    if (decl === undefined) return undefined;
    this.table.set(key, null);
    let c: Coercion | undefined;
    if (decl.kind === 'family') {
      // Hundreds of subtypes (Salesforce's Metadata): gather their properties in one object.
      const acc: Record<string, Coercion> = {};
      for (const k of this.#m.family(decl.key)?.members ?? []) {
        const member = this.#named(this.#m.typeName(k), depth + 1);
        const spec = member === undefined ? undefined : this.#expand(member);
        if (spec === undefined || typeof spec === 'string') continue;
        for (const [prop, v] of Object.entries(spec)) {
          const merged = acc[prop] === undefined ? v : this.#merge(acc[prop], v, 1);
          if (merged !== undefined) acc[prop] = merged;
        }
      }
      // An encoded value of a type with subtypes keeps its attributes: `xsi:type` names the subtype.
      if (this.#use === 'encoded') acc['attributes'] ??= {};
      c = Object.keys(acc).length === 0 ? undefined : acc;
    } else if (decl.kind === 'element') {
      const el = this.#m.set.elements.get(decl.key);
      c = this.of(this.#m.useExpr(el?.type, el?.loc ?? { file: '' }, 'element'), depth + 1);
    } else {
      const def = this.#m.set.types.get(decl.key);
      if (def?.kind === 'simple') c = this.of(this.#m.simpleExpr(def), depth + 1);
      else if (def !== undefined) {
        const d = this.#shapes.declare(def);
        if (d.kind === 'alias') c = this.of(d.type, depth + 1);
        else {
          c = this.of({ k: 'object', props: d.props, index: undefined }, depth + 1);
          if (d.extends !== undefined) c = this.#merge(this.#named(d.extends, depth + 1), c);
        }
      }
    }
    // Primitive results are inlined; structures go to the table and are referenced by name.
    if (c === undefined || typeof c === 'string') {
      this.table.delete(key);
      return c;
    }
    this.table.set(key, c);
    return `@${key}`;
  }

  /** The table, without entries that turned out empty, sorted. */
  entries(): [string, Coercion][] {
    return [...this.table.entries()]
      .filter((e): e is [string, Coercion] => e[1] !== null)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}
