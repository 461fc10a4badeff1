/** Reads `xsd:schema` elements into the normalised {@link SchemaSet}. */
import { CodegenError } from './errors.js';
import type { SchemaDocument } from './loader.js';
import { isXsdNs } from './namespaces.js';
import {
  UNBOUNDED,
  type AttributeDecl,
  type AttributeItem,
  type ComplexTypeDef,
  type ElementDecl,
  type ModelGroup,
  type Particle,
  type SchemaSet,
  type SimpleTypeDef,
  type TypeDef,
  type TypeUse,
} from './schema-model.js';
import { locationOf, nameOf, qnameKey, resolveQName, type QName, type XmlElement } from './xml.js';

const WSDL_ARRAY_TYPE = '{http://schemas.xmlsoap.org/wsdl/}arrayType';

/** Collapses whitespace in `xsd:documentation` / `wsdl:documentation` text. */
export function docText(el: XmlElement | undefined): string | undefined {
  if (el === undefined) return undefined;
  const parts: string[] = [];
  const collect = (e: XmlElement): void => {
    parts.push(e.text);
    for (const c of e.children) collect(c);
  };
  collect(el);
  const text = parts.join(' ').replace(/\s+/g, ' ').trim();
  return text === '' ? undefined : text;
}

class SchemaReader {
  readonly #tns: string;
  readonly #chameleon: boolean;
  readonly #elementQualified: boolean;

  constructor(doc: SchemaDocument) {
    this.#tns = doc.targetNamespace;
    this.#chameleon =
      doc.el.attrs.get('targetNamespace') === undefined && doc.targetNamespace !== '';
    this.#elementQualified = doc.el.attrs.get('elementFormDefault') === 'qualified';
  }

  qname(el: XmlElement, value: string): QName {
    const q = resolveQName(el, value);
    // A chameleon-included schema's unqualified references belong to the including namespace.
    return this.#chameleon && q.ns === '' ? { ns: this.#tns, name: q.name } : q;
  }

  #xsd(el: XmlElement, local: string): XmlElement | undefined {
    return el.children.find((c) => c.local === local && isXsdNs(c.ns));
  }

  #xsdChildren(el: XmlElement): XmlElement[] {
    return el.children.filter((c) => isXsdNs(c.ns) && c.local !== 'annotation');
  }

  doc(el: XmlElement): string | undefined {
    const ann = this.#xsd(el, 'annotation');
    if (ann === undefined) return undefined;
    const docs = ann.children.filter((c) => c.local === 'documentation').map((d) => docText(d));
    const text = docs.filter((d): d is string => d !== undefined).join('\n');
    return text === '' ? undefined : text;
  }

  #occurs(el: XmlElement): { min: number; max: number } {
    const min = el.attrs.get('minOccurs');
    const max = el.attrs.get('maxOccurs');
    return {
      min: min === undefined ? 1 : Number(min),
      max: max === undefined ? 1 : max === 'unbounded' ? UNBOUNDED : Number(max),
    };
  }

  #typeUse(el: XmlElement, attr: string): TypeUse | undefined {
    const ref = el.attrs.get(attr);
    if (ref !== undefined) return { kind: 'named', qname: this.qname(el, ref) };
    const inlineComplex = this.#xsd(el, 'complexType');
    if (inlineComplex !== undefined)
      return { kind: 'anonymous', def: this.complexType(inlineComplex, undefined) };
    const inlineSimple = this.#xsd(el, 'simpleType');
    if (inlineSimple !== undefined)
      return { kind: 'anonymous', def: this.simpleType(inlineSimple, undefined) };
    return undefined;
  }

  #inlineSimple(el: XmlElement): TypeUse | undefined {
    const inline = this.#xsd(el, 'simpleType');
    return inline === undefined
      ? undefined
      : { kind: 'anonymous', def: this.simpleType(inline, undefined) };
  }

  element(el: XmlElement, global: boolean): ElementDecl {
    const refAttr = el.attrs.get('ref');
    const ref = refAttr === undefined ? undefined : this.qname(el, refAttr);
    const name = ref?.name ?? nameOf(el);
    if (name === undefined) {
      throw new CodegenError('WSDL_INVALID', 'xsd:element without name or ref', {
        location: locationOf(el),
      });
    }
    const form = el.attrs.get('form');
    const qualified =
      global || (form === undefined ? this.#elementQualified : form === 'qualified');
    const sub = el.attrs.get('substitutionGroup');
    const occurs = global ? { min: 1, max: 1 } : this.#occurs(el);
    return {
      kind: 'element',
      name,
      ns: ref?.ns ?? (qualified ? this.#tns : ''),
      type: ref === undefined ? this.#typeUse(el, 'type') : undefined,
      ref,
      ...occurs,
      nillable: el.attrs.get('nillable') === 'true',
      abstract: el.attrs.get('abstract') === 'true',
      substitutionGroup: sub === undefined ? undefined : this.qname(el, sub),
      doc: this.doc(el),
      loc: locationOf(el),
    };
  }

  particle(el: XmlElement): Particle | undefined {
    switch (el.local) {
      case 'element':
        return this.element(el, false);
      case 'sequence':
      case 'choice':
      case 'all':
        return this.group(el);
      case 'group': {
        const ref = el.attrs.get('ref');
        if (ref === undefined) return undefined;
        return {
          kind: 'groupRef',
          ref: this.qname(el, ref),
          ...this.#occurs(el),
          loc: locationOf(el),
        };
      }
      case 'any':
        return { kind: 'any', ...this.#occurs(el) };
      default:
        return undefined;
    }
  }

  group(el: XmlElement): ModelGroup {
    const particles: Particle[] = [];
    for (const child of this.#xsdChildren(el)) {
      const p = this.particle(child);
      if (p !== undefined) particles.push(p);
    }
    return { kind: el.local as ModelGroup['kind'], ...this.#occurs(el), particles };
  }

  attribute(el: XmlElement): AttributeDecl {
    const refAttr = el.attrs.get('ref');
    const ref = refAttr === undefined ? undefined : this.qname(el, refAttr);
    const name = ref?.name ?? nameOf(el);
    if (name === undefined) {
      throw new CodegenError('WSDL_INVALID', 'xsd:attribute without name or ref', {
        location: locationOf(el),
      });
    }
    const use = el.attrs.get('use');
    const arrayType = el.attrs.get(WSDL_ARRAY_TYPE);
    return {
      kind: 'attribute',
      name,
      type: ref === undefined ? this.#typeUse(el, 'type') : undefined,
      ref,
      use: use === 'required' || use === 'prohibited' ? use : 'optional',
      doc: this.doc(el),
      arrayType: arrayType === undefined ? undefined : this.qname(el, arrayType),
      loc: locationOf(el),
    };
  }

  /** Attributes, attribute group references and anyAttribute among `el`'s children. */
  attributes(el: XmlElement): { attributes: AttributeItem[]; anyAttribute: boolean } {
    const attributes: AttributeItem[] = [];
    let anyAttribute = false;
    for (const child of this.#xsdChildren(el)) {
      if (child.local === 'attribute') attributes.push(this.attribute(child));
      else if (child.local === 'attributeGroup') {
        const ref = child.attrs.get('ref');
        if (ref !== undefined)
          attributes.push({
            kind: 'attributeGroupRef',
            ref: this.qname(child, ref),
            loc: locationOf(child),
          });
      } else if (child.local === 'anyAttribute') anyAttribute = true;
    }
    return { attributes, anyAttribute };
  }

  #firstParticle(el: XmlElement): Particle | undefined {
    for (const child of this.#xsdChildren(el)) {
      const p = this.particle(child);
      if (p !== undefined) return p;
    }
    return undefined;
  }

  complexType(el: XmlElement, name: string | undefined): ComplexTypeDef {
    const common = {
      kind: 'complex' as const,
      name,
      ns: this.#tns,
      abstract: el.attrs.get('abstract') === 'true',
      doc: this.doc(el),
      loc: locationOf(el),
    };
    let mixed = el.attrs.get('mixed') === 'true';
    const content = this.#xsd(el, 'simpleContent') ?? this.#xsd(el, 'complexContent');
    if (content !== undefined) {
      if (content.attrs.get('mixed') === 'true') mixed = true;
      const deriv = this.#xsd(content, 'extension') ?? this.#xsd(content, 'restriction');
      if (deriv === undefined) {
        throw new CodegenError(
          'WSDL_INVALID',
          `xsd:${content.local} without extension or restriction`,
          {
            location: locationOf(content),
          },
        );
      }
      const baseAttr = deriv.attrs.get('base');
      if (baseAttr === undefined) {
        throw new CodegenError('WSDL_INVALID', `xsd:${deriv.local} without base`, {
          location: locationOf(deriv),
        });
      }
      const simpleContent = content.local === 'simpleContent';
      const attrs = this.attributes(deriv);
      return {
        ...common,
        mixed,
        derivation: {
          method: deriv.local as 'extension' | 'restriction',
          base: this.qname(deriv, baseAttr),
          simpleContent,
        },
        particle: simpleContent ? undefined : this.#firstParticle(deriv),
        ...attrs,
        simpleRestriction:
          simpleContent && deriv.local === 'restriction'
            ? this.simpleType(deriv, undefined, true)
            : undefined,
      };
    }
    return {
      ...common,
      mixed,
      derivation: undefined,
      particle: this.#firstParticle(el),
      ...this.attributes(el),
      simpleRestriction: undefined,
    };
  }

  /** `el` is an xsd:simpleType, or (with `isRestriction`) a simpleContent restriction. */
  simpleType(el: XmlElement, name: string | undefined, isRestriction = false): SimpleTypeDef {
    const common = {
      kind: 'simple' as const,
      name,
      ns: this.#tns,
      doc: this.doc(el),
      loc: locationOf(el),
    };
    const restriction = isRestriction ? el : this.#xsd(el, 'restriction');
    if (restriction !== undefined) {
      const enumerations = restriction.children
        .filter((c) => c.local === 'enumeration' && isXsdNs(c.ns))
        .map((c) => c.attrs.get('value') ?? '');
      return {
        ...common,
        variety: 'atomic',
        // A simpleContent restriction may restate its value type inline; its base is a complex type.
        base: isRestriction ? this.#inlineSimple(el) : this.#typeUse(restriction, 'base'),
        enumerations,
        itemType: undefined,
        memberTypes: [],
      };
    }
    const list = this.#xsd(el, 'list');
    if (list !== undefined) {
      return {
        ...common,
        variety: 'list',
        base: undefined,
        enumerations: [],
        itemType: this.#typeUse(list, 'itemType'),
        memberTypes: [],
      };
    }
    const union = this.#xsd(el, 'union');
    if (union !== undefined) {
      const members: TypeUse[] = (union.attrs.get('memberTypes') ?? '')
        .split(/\s+/)
        .filter((s) => s !== '')
        .map((m) => ({ kind: 'named', qname: this.qname(union, m) }));
      for (const inline of union.children.filter(
        (c) => c.local === 'simpleType' && isXsdNs(c.ns),
      )) {
        members.push({ kind: 'anonymous', def: this.simpleType(inline, undefined) });
      }
      return {
        ...common,
        variety: 'union',
        base: undefined,
        enumerations: [],
        itemType: undefined,
        memberTypes: members,
      };
    }
    return {
      ...common,
      variety: 'atomic',
      base: undefined,
      enumerations: [],
      itemType: undefined,
      memberTypes: [],
    };
  }

  read(schema: XmlElement, set: SchemaSet): void {
    const key = (name: string): string => qnameKey({ ns: this.#tns, name });
    const globals = [...this.#xsdChildren(schema)];
    for (const child of globals) {
      const name = nameOf(child);
      if (name === undefined) continue;
      const k = key(name);
      switch (child.local) {
        case 'complexType':
          if (!set.types.has(k)) set.types.set(k, this.complexType(child, name));
          break;
        case 'simpleType':
          if (!set.types.has(k)) set.types.set(k, this.simpleType(child, name));
          break;
        case 'element':
          if (!set.elements.has(k)) set.elements.set(k, this.element(child, true));
          break;
        case 'group': {
          const g = this.#firstParticle(child);
          if (
            g !== undefined &&
            g.kind !== 'element' &&
            g.kind !== 'groupRef' &&
            g.kind !== 'any'
          ) {
            set.groups.set(k, { particle: g, loc: locationOf(child) });
          }
          break;
        }
        case 'attributeGroup':
          set.attributeGroups.set(k, { ...this.attributes(child), loc: locationOf(child) });
          break;
        case 'attribute':
          set.attributes.set(k, this.attribute(child));
          break;
        default:
          break;
      }
    }
  }
}

/** Builds the schema set from every loaded schema; the first declaration of a name wins. */
export function readSchemas(docs: readonly SchemaDocument[]): SchemaSet {
  const set: SchemaSet = {
    types: new Map<string, TypeDef>(),
    elements: new Map(),
    groups: new Map(),
    attributeGroups: new Map(),
    attributes: new Map(),
  };
  for (const doc of docs) new SchemaReader(doc).read(doc.el, set);
  return set;
}
