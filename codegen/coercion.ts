/**
 * Where numbers and booleans sit in an operation's output, so the client runtime can convert what
 * node-soap leaves as text (it types values only where its own schema lookup succeeds, which it
 * does not for rpc parts, element refs or xsi:type subtypes).
 */
import type { Coercion } from './client-runtime/coerce.js';
import type { ShapeBuilder } from './shape-builder.js';
import type { TypeExpr } from './type-expr.js';
import type { TypeMapper } from './type-mapper.js';

export type { Coercion };

function merge(a: Coercion | undefined, b: Coercion | undefined): Coercion | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === 'string' || typeof b === 'string')
    return typeof a === 'string' && a.startsWith('@') ? a : b;
  const out: Record<string, Coercion> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const m = merge(out[k], v);
    if (m !== undefined) out[k] = m;
  }
  return out;
}

export class CoercionBuilder {
  readonly #m: TypeMapper;
  readonly #shapes: ShapeBuilder;
  /** Named entries (by TypeScript name); undefined while being computed. */
  readonly table = new Map<string, Coercion | null>();

  constructor(mapper: TypeMapper, shapes: ShapeBuilder) {
    this.#m = mapper;
    this.#shapes = shapes;
  }

  of(expr: TypeExpr, depth = 0): Coercion | undefined {
    if (depth > 64) return undefined;
    switch (expr.k) {
      case 'keyword':
        return expr.name === 'number' ? 'n' : expr.name === 'boolean' ? 'b' : undefined;
      case 'literal':
        return undefined;
      case 'array':
        return this.of(expr.item, depth + 1);
      case 'union':
      case 'intersection': {
        let out: Coercion | undefined;
        for (const item of expr.items) out = merge(out, this.of(item, depth + 1));
        return out;
      }
      case 'omit':
        return this.of(expr.base, depth + 1);
      case 'object': {
        const out: Record<string, Coercion> = {};
        for (const p of expr.props) {
          if (p.name === 'attributes') continue; // attributes are text, and typed as such
          const c = this.of(p.type, depth + 1);
          if (c !== undefined) out[p.name] = c;
        }
        return Object.keys(out).length === 0 ? undefined : out;
      }
      case 'ref':
        return this.#named(expr.name, depth);
    }
  }

  #named(name: string, depth: number): Coercion | undefined {
    if (this.table.has(name)) {
      const entry = this.table.get(name);
      return entry === null ? `@${name}` : entry === undefined ? undefined : `@${name}`;
    }
    const decl = this.#m.declarationOf(name);
    if (decl === undefined) return undefined;
    this.table.set(name, null);
    let c: Coercion | undefined;
    if (decl.kind === 'family') {
      for (const k of this.#m.family(decl.key)?.members ?? [])
        c = merge(c, this.#named(this.#m.typeName(k), depth + 1));
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
          if (d.extends !== undefined) c = merge(this.#named(d.extends, depth + 1), c);
        }
      }
    }
    // Primitive results are inlined; structures go to the table and are referenced by name.
    if (c === undefined || typeof c === 'string') {
      this.table.delete(name);
      return c;
    }
    this.table.set(name, c);
    return `@${name}`;
  }

  /** The table, without entries that turned out empty, sorted. */
  entries(): [string, Coercion][] {
    return [...this.table.entries()]
      .filter((e): e is [string, Coercion] => e[1] !== null)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
}
