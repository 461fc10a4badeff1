/**
 * Turns complex types into TypeScript shapes in node-soap's runtime form: child elements as
 * properties, attributes under `attributes`, text under `$value`, a choice as a union, `any` as an
 * index signature. Decides per type whether it can be an `interface` (optionally `extends` its
 * base) or must be an alias (unions, conflicting redeclarations, simple content).
 */
import {
  SOAP11_ENC_NS,
  SOAP12_ENC_NS,
  type SourceLocation,
  type AttributeItem,
  type ComplexTypeDef,
  type ElementDecl,
  type Particle,
  qnameKey,
} from '../wsdl/index.js';
import {
  intersection,
  NULL,
  STRING,
  UNDEFINED,
  union,
  UNKNOWN,
  type PropExpr,
  type TypeExpr,
} from './type-expr.js';
import type { TypeMapper } from './type-mapper.js';

interface MutableProp {
  name: string;
  optional: boolean;
  type: TypeExpr;
  doc: string | undefined;
}

interface Shape {
  readonly props: Map<string, MutableProp>;
  index: TypeExpr | undefined;
  readonly unions: TypeExpr[];
}

/** How to declare a complex type. */
export type ComplexDecl =
  | {
      readonly kind: 'interface';
      readonly extends: string | undefined;
      readonly props: readonly PropExpr[];
      readonly index: TypeExpr | undefined;
    }
  | { readonly kind: 'alias'; readonly type: TypeExpr };

const MAX_DEPTH = 64;

/**
 * The index signature `anyAttribute` gives `attributes`. It admits `undefined` because it sits beside
 * optional declared attributes, whose type without `exactOptionalPropertyTypes` is `T | undefined`
 * and must fit the index type (TS2411); a wildcard attribute may be absent in any case. node-soap
 * reads and writes attributes as one flat object, wildcard ones by their name as written
 * (`wsu:Id`), so they stay beside the declared ones rather than in a member of their own.
 */
const WILDCARD_ATTRIBUTE: TypeExpr = union([STRING, UNDEFINED]);

function newShape(): Shape {
  return { props: new Map(), index: undefined, unions: [] };
}

function objectOf(shape: Shape): TypeExpr {
  return { k: 'object', props: [...shape.props.values()], index: shape.index };
}

export class ShapeBuilder {
  readonly #m: TypeMapper;
  readonly #attrs = new Map<string, Map<string, MutableProp>>();
  readonly #elementProps = new Map<string, Set<string>>();
  readonly #isInterface = new Map<string, boolean>();
  readonly #inProgress = new Set<string>();
  readonly #contents = new WeakMap<ComplexTypeDef, Shape>();

  constructor(mapper: TypeMapper) {
    this.#m = mapper;
    mapper.anonymousComplex = (def) => this.#anonymous(def);
  }

  #baseKey(def: ComplexTypeDef): string | undefined {
    if (def.derivation === undefined) return undefined;
    const key = qnameKey(def.derivation.base);
    return this.#m.set.types.get(key)?.kind === 'complex' ? key : undefined;
  }

  #hasSimpleContent(def: ComplexTypeDef, depth = 0): boolean {
    if (def.derivation === undefined || depth > MAX_DEPTH) return false;
    if (def.derivation.simpleContent) return true;
    const base = this.#m.set.types.get(qnameKey(def.derivation.base));
    return (
      base?.kind === 'complex' &&
      def.particle === undefined &&
      this.#hasSimpleContent(base, depth + 1)
    );
  }

  #soapArrayItem(def: ComplexTypeDef): TypeExpr | undefined {
    const d = def.derivation;
    if (
      d === undefined ||
      d.base.name !== 'Array' ||
      (d.base.ns !== SOAP11_ENC_NS && d.base.ns !== SOAP12_ENC_NS)
    ) {
      return undefined;
    }
    for (const a of def.attributes) {
      if (a.kind === 'attribute' && a.arrayType !== undefined) {
        const name = a.arrayType.name.replace(/(\[[0-9,]*\])+$/, '');
        return this.#m.useExpr(
          { kind: 'named', qname: { ns: a.arrayType.ns, name } },
          a.loc,
          'wsdl:arrayType',
        );
      }
    }
    return UNKNOWN;
  }

  /** Attributes of `def` with those it inherits, by name. */
  attributesOf(def: ComplexTypeDef, depth = 0): Map<string, MutableProp> {
    const key = def.name === undefined ? undefined : qnameKey({ ns: def.ns, name: def.name });
    const cached = key === undefined ? undefined : this.#attrs.get(key);
    if (cached !== undefined) return cached;
    const out = new Map<string, MutableProp>();
    const baseKey = this.#baseKey(def);
    const base = baseKey === undefined ? undefined : this.#m.set.types.get(baseKey);
    if (base?.kind === 'complex' && depth < MAX_DEPTH && !this.#inProgress.has(baseKey ?? '')) {
      this.#inProgress.add(baseKey ?? '');
      for (const [n, p] of this.attributesOf(base, depth + 1)) out.set(n, { ...p });
      this.#inProgress.delete(baseKey ?? '');
    }
    this.#addAttributes(out, def.attributes, def.loc, 0);
    if (def.anyAttribute)
      out.set('\0any', { name: '\0any', optional: true, type: STRING, doc: undefined });
    if (key !== undefined) this.#attrs.set(key, out);
    return out;
  }

  #addAttributes(
    out: Map<string, MutableProp>,
    items: readonly AttributeItem[],
    loc: SourceLocation,
    depth: number,
  ): void {
    if (depth > MAX_DEPTH) return;
    for (const item of items) {
      if (item.kind === 'attributeGroupRef') {
        const group = this.#m.set.attributeGroups.get(qnameKey(item.ref));
        if (group === undefined) {
          this.#m.unresolved(
            `xsd:attributeGroup ref refers to unknown group ${qnameKey(item.ref)}`,
            item.loc,
          );
          out.set('\0any', { name: '\0any', optional: true, type: STRING, doc: undefined });
          continue;
        }
        this.#addAttributes(out, group.attributes, group.loc, depth + 1);
        if (group.anyAttribute)
          out.set('\0any', { name: '\0any', optional: true, type: STRING, doc: undefined });
        continue;
      }
      let decl = item;
      let name = item.name;
      if (item.ref !== undefined) {
        const global = this.#m.set.attributes.get(qnameKey(item.ref));
        // Attributes of the built-in namespaces (xml:lang, soapenc:arrayType) are strings.
        if (global !== undefined) decl = { ...global, use: item.use };
        name =
          item.ref.ns === 'http://www.w3.org/XML/1998/namespace'
            ? `xml:${item.ref.name}`
            : item.ref.name;
      }
      if (decl.use === 'prohibited') {
        out.delete(name);
        continue;
      }
      const type = this.#m.useExpr(decl.type, decl.loc ?? loc, `attribute '${name}'`);
      out.set(name, {
        name,
        optional: decl.use !== 'required',
        // node-soap hands attributes over as the raw text.
        type: this.#m.isStringLike(type) ? type : STRING,
        doc: decl.doc,
      });
    }
  }

  #attributesProp(attrs: Map<string, MutableProp>): MutableProp | undefined {
    if (attrs.size === 0) return undefined;
    const props = [...attrs.values()].filter((p) => p.name !== '\0any');
    const index = attrs.has('\0any') ? WILDCARD_ATTRIBUTE : undefined;
    return {
      name: 'attributes',
      optional: props.every((p) => p.optional),
      type: { k: 'object', props, index },
      doc: undefined,
    };
  }

  #put(shape: Shape, prop: MutableProp): void {
    const existing = shape.props.get(prop.name);
    if (existing === undefined) {
      shape.props.set(prop.name, prop);
      return;
    }
    // The same name twice in one content model: node-soap gathers the occurrences in an array.
    const item = (t: TypeExpr): TypeExpr => (t.k === 'array' ? t.item : t);
    existing.type = { k: 'array', item: union([item(existing.type), item(prop.type)]) };
    existing.optional = existing.optional && prop.optional;
  }

  #elementProp(el: ElementDecl, optional: boolean, repeated: boolean): MutableProp[] | TypeExpr {
    let decl = el;
    let type: TypeExpr;
    if (el.ref !== undefined) {
      const found = this.#m.lookupElement(el.ref, el.loc, `element ref '${el.name}'`);
      if (found === undefined) {
        return [
          {
            name: el.name,
            optional: optional || el.min === 0,
            type: repeated || el.max > 1 ? { k: 'array', item: UNKNOWN } : UNKNOWN,
            doc: el.doc,
          },
        ];
      }
      decl = found;
      const key = qnameKey(el.ref);
      const subs = this.#m.substitutes(key);
      if (subs.length > 0) {
        const alternatives = [key, ...subs].filter(
          (k) => this.#m.set.elements.get(k)?.abstract !== true,
        );
        const isOptional = optional || el.min === 0;
        const isArray = repeated || el.max > 1;
        const props = alternatives.map((k) => {
          const d = this.#m.set.elements.get(k);
          const ref: TypeExpr = { k: 'ref', name: this.#m.elementName(k), schema: true };
          const t = d?.nillable === true ? union([ref, NULL]) : ref;
          return {
            name: d?.name ?? '',
            optional: isOptional,
            type: isArray ? { k: 'array' as const, item: t } : t,
            doc: d?.doc,
          };
        });
        if (isArray || props.length === 1) return props.map((p) => ({ ...p, optional: true }));
        return union(props.map((p) => ({ k: 'object', props: [p], index: undefined })));
      }
      type = { k: 'ref', name: this.#m.elementName(key), schema: true };
    } else {
      type = this.#m.useExpr(el.type, el.loc, `element '${el.name}'`);
    }
    if (decl.nillable || el.nillable) type = union([type, NULL]);
    if (repeated || el.max > 1) type = { k: 'array', item: type };
    return [{ name: decl.name, optional: optional || el.min === 0, type, doc: el.doc ?? decl.doc }];
  }

  #addParticle(
    shape: Shape,
    p: Particle,
    optional: boolean,
    repeated: boolean,
    depth: number,
  ): void {
    if (depth > MAX_DEPTH) return;
    switch (p.kind) {
      case 'element': {
        const result = this.#elementProp(p, optional, repeated);
        if (Array.isArray(result)) for (const prop of result) this.#put(shape, prop);
        else shape.unions.push(result);
        return;
      }
      case 'any':
        shape.index = UNKNOWN;
        return;
      case 'groupRef': {
        const group = this.#m.set.groups.get(qnameKey(p.ref));
        if (group === undefined) {
          this.#m.unresolved(`xsd:group ref refers to unknown group ${qnameKey(p.ref)}`, p.loc);
          shape.index = UNKNOWN;
          return;
        }
        this.#addParticle(
          shape,
          group.particle,
          optional || p.min === 0,
          repeated || p.max > 1,
          depth + 1,
        );
        return;
      }
      case 'sequence':
      case 'all':
        for (const child of p.particles) {
          this.#addParticle(
            shape,
            child,
            optional || p.min === 0,
            repeated || p.max > 1,
            depth + 1,
          );
        }
        return;
      case 'choice': {
        if (repeated || p.max > 1 || p.particles.length === 1) {
          // A repeated choice may mix its alternatives: each becomes optional.
          for (const child of p.particles) {
            this.#addParticle(
              shape,
              child,
              p.particles.length > 1 || optional || p.min === 0,
              repeated || p.max > 1,
              depth + 1,
            );
          }
          return;
        }
        const alternatives = p.particles.map((child) => {
          const sub = newShape();
          this.#addParticle(sub, child, optional || p.min === 0, false, depth + 1);
          return intersection([objectOf(sub), ...sub.unions]);
        });
        if (alternatives.length > 0) shape.unions.push(union(alternatives));
        return;
      }
    }
  }

  /** The own content of `def` (not inherited), without attributes. */
  #content(def: ComplexTypeDef): Shape {
    const cached = this.#contents.get(def);
    if (cached !== undefined)
      return { props: new Map(cached.props), index: cached.index, unions: [...cached.unions] };
    const shape = this.#computeContent(def);
    this.#contents.set(def, shape);
    return { props: new Map(shape.props), index: shape.index, unions: [...shape.unions] };
  }

  #computeContent(def: ComplexTypeDef): Shape {
    const shape = newShape();
    if (def.particle !== undefined) this.#addParticle(shape, def.particle, false, false, 0);
    if (def.mixed)
      this.#put(shape, { name: '$value', optional: true, type: STRING, doc: undefined });
    return shape;
  }

  #elementPropsOf(key: string, depth = 0): Set<string> {
    const cached = this.#elementProps.get(key);
    if (cached !== undefined) return cached;
    const def = this.#m.set.types.get(key);
    const out = new Set<string>();
    if (def?.kind === 'complex' && depth < MAX_DEPTH) {
      const baseKey = this.#baseKey(def);
      if (baseKey !== undefined && def.derivation?.method === 'extension') {
        for (const n of this.#elementPropsOf(baseKey, depth + 1)) out.add(n);
      }
      for (const n of this.#content(def).props.keys()) out.add(n);
    }
    this.#elementProps.set(key, out);
    return out;
  }

  /** Whether type `key` has an index signature (an element wildcard), its own or inherited. */
  #hasIndex(key: string, depth = 0): boolean {
    const def = this.#m.set.types.get(key);
    if (def?.kind !== 'complex' || depth > MAX_DEPTH) return false;
    if (this.#content(def).index !== undefined) return true;
    const baseKey = def.derivation?.method === 'extension' ? this.#baseKey(def) : undefined;
    return baseKey !== undefined && this.#hasIndex(baseKey, depth + 1);
  }

  #conflicts(def: ComplexTypeDef, own: Shape, baseKey: string): string[] {
    const inherited = this.#elementPropsOf(baseKey);
    return [...own.props.keys()].filter((n) => inherited.has(n)).sort();
  }

  isInterface(key: string, depth = 0): boolean {
    const cached = this.#isInterface.get(key);
    if (cached !== undefined) return cached;
    const def = this.#m.set.types.get(key);
    let result = false;
    if (
      def?.kind === 'complex' &&
      depth < MAX_DEPTH &&
      !this.#hasSimpleContent(def) &&
      this.#soapArrayItem(def) === undefined
    ) {
      const own = this.#content(def);
      const baseKey = def.derivation?.method === 'extension' ? this.#baseKey(def) : undefined;
      result =
        own.unions.length === 0 &&
        (baseKey === undefined ||
          (this.isInterface(baseKey, depth + 1) &&
            this.#conflicts(def, own, baseKey).length === 0));
    }
    this.#isInterface.set(key, result);
    return result;
  }

  #simpleContentValue(def: ComplexTypeDef, depth = 0): TypeExpr {
    if (def.simpleRestriction !== undefined && def.simpleRestriction.enumerations.length > 0) {
      return this.#m.simpleExpr(def.simpleRestriction);
    }
    if (def.simpleRestriction?.base !== undefined)
      return this.#m.useExpr(def.simpleRestriction.base, def.loc, 'simpleContent');
    const base = def.derivation?.base;
    if (base === undefined || depth > MAX_DEPTH) return STRING;
    const baseDef = this.#m.lookupType(
      base,
      def.loc,
      `simpleContent base of ${def.name ?? 'an anonymous type'}`,
    );
    if (baseDef?.kind === 'complex') return this.#simpleContentValue(baseDef, depth + 1);
    return this.#m.useExpr({ kind: 'named', qname: base }, def.loc, 'simpleContent base');
  }

  /** The declaration of complex type `def` (a named type, or the anonymous type of an element). */
  declare(def: ComplexTypeDef): ComplexDecl {
    if (def.derivation !== undefined)
      this.#m.lookupType(
        def.derivation.base,
        def.loc,
        `base of type '${def.name ?? '(anonymous)'}'`,
      );
    const arrayItem = this.#soapArrayItem(def);
    if (arrayItem !== undefined)
      return { kind: 'alias', type: { k: 'array', item: arrayItem, encoded: true } };
    const attrs = this.#attributesProp(this.attributesOf(def));
    if (this.#hasSimpleContent(def)) {
      const value = this.#simpleContentValue(def);
      if (attrs === undefined) return { kind: 'alias', type: value };
      const withAttrs: TypeExpr = {
        k: 'object',
        props: [{ name: '$value', optional: false, type: value, doc: undefined }, attrs],
        index: undefined,
      };
      return { kind: 'alias', type: attrs.optional ? union([value, withAttrs]) : withAttrs };
    }
    const own = this.#content(def);
    if (attrs !== undefined) own.props.set('attributes', attrs);
    const baseKey = def.derivation?.method === 'extension' ? this.#baseKey(def) : undefined;
    const baseName = baseKey === undefined ? undefined : this.#m.typeName(baseKey);
    const key = def.name === undefined ? undefined : qnameKey({ ns: def.ns, name: def.name });
    const asInterface =
      key !== undefined
        ? this.isInterface(key)
        : own.unions.length === 0 &&
          baseKey === undefined &&
          def.derivation?.method !== 'restriction';
    if (asInterface) {
      return {
        kind: 'interface',
        extends: baseName,
        props: [...own.props.values()],
        index: own.index,
      };
    }
    const parts: TypeExpr[] = [];
    if (baseKey !== undefined && baseName !== undefined) {
      const conflicts = this.#conflicts(def, own, baseKey);
      const ref: TypeExpr = { k: 'ref', name: baseName, schema: true };
      parts.push(
        conflicts.length > 0
          ? { k: 'omit', base: ref, keys: conflicts, indexed: this.#hasIndex(baseKey) }
          : ref,
      );
    }
    if (own.props.size > 0 || own.index !== undefined || parts.length + own.unions.length === 0)
      parts.push(objectOf(own));
    parts.push(...own.unions);
    return { kind: 'alias', type: intersection(parts) };
  }

  #anonymous(def: ComplexTypeDef): TypeExpr {
    const decl = this.declare(def);
    if (decl.kind === 'alias') return decl.type;
    const obj: TypeExpr = { k: 'object', props: decl.props, index: decl.index };
    return decl.extends === undefined
      ? obj
      : intersection([{ k: 'ref', name: decl.extends, schema: true }, obj]);
  }
}
