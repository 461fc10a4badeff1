/**
 * The fields of an operation's input or output as a plain tree (references to declared types
 * resolved, unions and intersections flattened), so that the scaffolder can find where a record's
 * id and payload sit and build a request with every required field.
 */
import {
  ShapeBuilder,
  type PropExpr,
  type TypeExpr,
  type TypeMapper,
} from '../codegen/internal.js';

export type FieldType =
  | { readonly kind: 'string' | 'number' | 'boolean' }
  /** An enumeration: its first value. */
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'object'; readonly fields: readonly Field[] }
  /** Anything else (unknown, `any`, recursion cut off). */
  | { readonly kind: 'other' };

export interface Field {
  readonly name: string;
  readonly optional: boolean;
  /** A repeated element: an array of `type`. */
  readonly array: boolean;
  readonly type: FieldType;
}

const MAX_DEPTH = 12;
const OTHER: FieldType = { kind: 'other' };

/**
 * `first`'s fields, then `second`'s, one field per name, as TypeScript sees an interface extending
 * its base or an intersection: a derived type redeclares what it inherits (its `attributes` holds
 * its base's attributes too, DSMLv2's `LDAPResult` extending `DsmlMessage`), so a name in both is
 * one field, in `first`'s place: two objects merged, else `second`'s type (a type cut off as
 * `other` gives way to the other side's). Without this, such a field would be listed twice.
 */
function mergeFields(first: readonly Field[], second: readonly Field[]): Field[] {
  const out = [...first];
  for (const f of second) {
    const at = out.findIndex((g) => g.name === f.name);
    const prior = out[at];
    if (prior === undefined) out.push(f);
    else out[at] = mergeField(prior, f);
  }
  return out;
}

function mergeField(a: Field, b: Field): Field {
  let type: FieldType;
  if (a.type.kind === 'object' && b.type.kind === 'object')
    type = { kind: 'object', fields: mergeFields(a.type.fields, b.type.fields) };
  else type = b.type.kind === 'other' ? a.type : b.type;
  // Required when either side requires it; a list when the side whose type is kept is one.
  const array = type === a.type ? a.array : b.array;
  return { name: a.name, optional: a.optional && b.optional, array, type };
}

/** Resolves type expressions of one WSDL's model into field trees. */
export class FieldResolver {
  readonly #mapper: TypeMapper;
  readonly #shapes: ShapeBuilder;

  constructor(mapper: TypeMapper) {
    this.#mapper = mapper;
    // Creating the shape builder also teaches the mapper how to render anonymous types.
    this.#shapes = new ShapeBuilder(mapper);
  }

  /** The tree of `expr`; `array` tells whether the expression itself is a list. */
  resolve(expr: TypeExpr, depth = 0): { type: FieldType; array: boolean; nullable: boolean } {
    if (depth > MAX_DEPTH) return { type: OTHER, array: false, nullable: false };
    switch (expr.k) {
      case 'keyword':
        if (expr.name === 'string' || expr.name === 'number' || expr.name === 'boolean')
          return { type: { kind: expr.name }, array: false, nullable: false };
        return { type: OTHER, array: false, nullable: expr.name === 'null' };
      case 'literal':
        return { type: { kind: 'literal', value: expr.value }, array: false, nullable: false };
      case 'array': {
        const item = this.resolve(expr.item, depth + 1);
        return { type: item.type, array: true, nullable: false };
      }
      case 'union': {
        const items = expr.items.map((i) => this.resolve(i, depth + 1));
        const nullable = items.some((i) => i.nullable);
        const real = items.filter((i) => i.type.kind !== 'other');
        const pick =
          real.find((i) => i.type.kind === 'string') ??
          real.find((i) => i.type.kind === 'object') ??
          real[0];
        return pick === undefined
          ? { type: OTHER, array: false, nullable }
          : { type: pick.type, array: pick.array, nullable };
      }
      case 'intersection': {
        let fields: readonly Field[] = [];
        for (const item of expr.items) {
          const r = this.resolve(item, depth + 1);
          if (r.type.kind === 'object') fields = mergeFields(fields, r.type.fields);
        }
        return { type: { kind: 'object', fields }, array: false, nullable: false };
      }
      case 'omit': {
        const base = this.resolve(expr.base, depth + 1);
        if (base.type.kind !== 'object') return base;
        const fields = base.type.fields.filter((f) => !expr.keys.includes(f.name));
        return { type: { kind: 'object', fields }, array: base.array, nullable: base.nullable };
      }
      case 'object':
        return {
          type: { kind: 'object', fields: expr.props.map((p) => this.#field(p, depth)) },
          array: false,
          nullable: false,
        };
      case 'ref':
        return this.#declared(expr.name, depth);
    }
  }

  #field(p: PropExpr, depth: number): Field {
    const r = this.resolve(p.type, depth + 1);
    return { name: p.name, optional: p.optional || r.nullable, array: r.array, type: r.type };
  }

  #declared(name: string, depth: number): { type: FieldType; array: boolean; nullable: boolean } {
    const m = this.#mapper;
    const decl = m.declarationOf(name);
    const none = { type: OTHER, array: false, nullable: false };
    if (decl === undefined) return none;
    if (decl.kind === 'family') return this.#declared(m.typeName(decl.key), depth + 1);
    if (decl.kind === 'type') {
      const def = m.set.types.get(decl.key);
      if (def === undefined) return none;
      if (def.kind === 'simple') return this.resolve(m.simpleExpr(def), depth + 1);
      return this.#complex(this.#shapes.declare(def), depth);
    }
    const el = m.set.elements.get(decl.key);
    if (el === undefined) return none;
    let r;
    if (el.type?.kind === 'anonymous' && el.type.def.kind === 'complex') {
      r = this.#complex(this.#shapes.declare(el.type.def), depth);
    } else {
      r = this.resolve(m.useExpr(el.type, el.loc, `element '${el.name}'`), depth + 1);
    }
    return el.nillable ? { ...r, nullable: true } : r;
  }

  #complex(
    decl: ReturnType<ShapeBuilder['declare']>,
    depth: number,
  ): { type: FieldType; array: boolean; nullable: boolean } {
    if (decl.kind === 'alias') return this.resolve(decl.type, depth + 1);
    const own = decl.props.map((p) => this.#field(p, depth));
    const base = decl.extends === undefined ? undefined : this.#declared(decl.extends, depth + 1);
    const fields = base?.type.kind === 'object' ? mergeFields(base.type.fields, own) : own;
    return { type: { kind: 'object', fields }, array: false, nullable: false };
  }
}
