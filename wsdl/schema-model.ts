/** The normalised XML Schema model the emitter works from (node-soap's `describe()` loses too much). */
import type { SourceLocation } from './errors.js';
import type { QName } from './xml.js';

/** A type used by a declaration: a reference to a named type, or an anonymous one inline. */
export type TypeUse =
  | { readonly kind: 'named'; readonly qname: QName }
  | { readonly kind: 'anonymous'; readonly def: TypeDef };

export interface ElementDecl {
  readonly kind: 'element';
  readonly name: string;
  readonly ns: string;
  /** Undefined for `<element name="x"/>` without a type: that is `xsd:anyType`. */
  readonly type: TypeUse | undefined;
  /** Set on a local `<element ref="..."/>`. */
  readonly ref: QName | undefined;
  readonly min: number;
  readonly max: number;
  readonly nillable: boolean;
  readonly abstract: boolean;
  readonly substitutionGroup: QName | undefined;
  readonly doc: string | undefined;
  readonly loc: SourceLocation;
}

export interface ModelGroup {
  readonly kind: 'sequence' | 'choice' | 'all';
  readonly min: number;
  readonly max: number;
  readonly particles: readonly Particle[];
}

export interface GroupRef {
  readonly kind: 'groupRef';
  readonly ref: QName;
  readonly min: number;
  readonly max: number;
  readonly loc: SourceLocation;
}

export interface AnyParticle {
  readonly kind: 'any';
  readonly min: number;
  readonly max: number;
}

export type Particle = ElementDecl | ModelGroup | GroupRef | AnyParticle;

export interface AttributeDecl {
  readonly kind: 'attribute';
  readonly name: string;
  readonly type: TypeUse | undefined;
  readonly ref: QName | undefined;
  readonly use: 'optional' | 'required' | 'prohibited';
  readonly doc: string | undefined;
  /** `wsdl:arrayType` on a SOAP-encoding array restriction, e.g. `tns:Item[]`. */
  readonly arrayType: QName | undefined;
  readonly loc: SourceLocation;
}

export interface AttributeGroupRef {
  readonly kind: 'attributeGroupRef';
  readonly ref: QName;
  readonly loc: SourceLocation;
}

export type AttributeItem = AttributeDecl | AttributeGroupRef;

export interface Derivation {
  readonly method: 'extension' | 'restriction';
  readonly base: QName;
  /** `simpleContent` (true) or `complexContent` (false). */
  readonly simpleContent: boolean;
}

export interface ComplexTypeDef {
  readonly kind: 'complex';
  readonly name: string | undefined;
  readonly ns: string;
  readonly abstract: boolean;
  readonly mixed: boolean;
  readonly derivation: Derivation | undefined;
  readonly particle: Particle | undefined;
  readonly attributes: readonly AttributeItem[];
  readonly anyAttribute: boolean;
  /** Facets of a simpleContent restriction (e.g. enumerations). */
  readonly simpleRestriction: SimpleTypeDef | undefined;
  readonly doc: string | undefined;
  readonly loc: SourceLocation;
}

export interface SimpleTypeDef {
  readonly kind: 'simple';
  readonly name: string | undefined;
  readonly ns: string;
  readonly variety: 'atomic' | 'list' | 'union';
  readonly base: TypeUse | undefined;
  readonly enumerations: readonly string[];
  readonly itemType: TypeUse | undefined;
  readonly memberTypes: readonly TypeUse[];
  readonly doc: string | undefined;
  readonly loc: SourceLocation;
}

export type TypeDef = ComplexTypeDef | SimpleTypeDef;

export interface NamedGroup {
  readonly particle: ModelGroup;
  readonly loc: SourceLocation;
}

export interface NamedAttributeGroup {
  readonly attributes: readonly AttributeItem[];
  readonly anyAttribute: boolean;
  readonly loc: SourceLocation;
}

/** Every global declaration of every schema, keyed by `{namespace}name`. */
export interface SchemaSet {
  readonly types: Map<string, TypeDef>;
  readonly elements: Map<string, ElementDecl>;
  readonly groups: Map<string, NamedGroup>;
  readonly attributeGroups: Map<string, NamedAttributeGroup>;
  readonly attributes: Map<string, AttributeDecl>;
}

export const UNBOUNDED = Number.POSITIVE_INFINITY;
