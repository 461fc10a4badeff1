/**
 * Emits `types.generated.ts`: one declaration per named XSD type and per global element (all of
 * them, reachable or not), plus an `Any<Type>` union for every type with subtypes.
 */
import {
  StructureKind,
  type InterfaceDeclarationStructure,
  type JSDocStructure,
  type OptionalKind,
  type PropertySignatureStructure,
  type TypeAliasDeclarationStructure,
} from 'ts-morph';
import { ShapeBuilder, type ComplexDecl } from './shape-builder.js';
import {
  docSafe,
  NULL,
  typeWriter,
  propertyName,
  union,
  UNKNOWN,
  type PropExpr,
  type TypeExpr,
} from './type-expr.js';
import type { TypeMapper } from './type-mapper.js';
import { qnameKey } from '../wsdl/index.js';

export type TypeStatement = InterfaceDeclarationStructure | TypeAliasDeclarationStructure;

function docs(...texts: (string | undefined)[]): OptionalKind<JSDocStructure>[] | undefined {
  const lines = texts.filter((t): t is string => t !== undefined && t !== '');
  return lines.length === 0 ? undefined : [{ description: docSafe(lines.join('\n\n')) }];
}

function prop(p: PropExpr): OptionalKind<PropertySignatureStructure> {
  const docsOf = docs(p.doc);
  return {
    name: propertyName(p.name),
    hasQuestionToken: p.optional,
    type: typeWriter(p.type, ''),
    ...(docsOf === undefined ? {} : { docs: docsOf }),
  };
}

function alias(
  name: string,
  type: TypeExpr,
  doc: (string | undefined)[],
): TypeAliasDeclarationStructure {
  const d = docs(...doc);
  return {
    kind: StructureKind.TypeAlias,
    name,
    isExported: true,
    type: typeWriter(type, ''),
    ...(d === undefined ? {} : { docs: d }),
  };
}

function interfaceOf(
  name: string,
  decl: Extract<ComplexDecl, { kind: 'interface' }>,
  doc: (string | undefined)[],
): InterfaceDeclarationStructure {
  const d = docs(...doc);
  return {
    kind: StructureKind.Interface,
    name,
    isExported: true,
    extends: decl.extends === undefined ? [] : [decl.extends],
    properties: decl.props.map(prop),
    indexSignatures:
      decl.index === undefined
        ? []
        : [{ keyName: 'name', keyType: 'string', returnType: typeWriter(decl.index, '') }],
    ...(d === undefined ? {} : { docs: d }),
  };
}

export interface EmittedTypes {
  readonly statements: TypeStatement[];
  /** Named XSD types and global elements in the schema. */
  readonly schemaCount: number;
  /** Declarations emitted for them (families not counted). */
  readonly emittedCount: number;
}

export function emitTypes(mapper: TypeMapper): EmittedTypes {
  const shapes = new ShapeBuilder(mapper);
  const statements: TypeStatement[] = [];
  let emitted = 0;
  for (const entry of mapper.entries) {
    const origin = `XSD ${entry.kind === 'type' ? 'type' : 'element'} {${entry.qname.ns}}${entry.qname.name}`;
    if (entry.kind === 'type') {
      const def = mapper.set.types.get(entry.key);
      if (def === undefined) continue;
      const head = [
        def.doc,
        def.kind === 'complex' && def.abstract ? `${origin} (abstract)` : origin,
      ];
      if (def.kind === 'simple') {
        statements.push(alias(entry.tsName, mapper.simpleExpr(def), head));
      } else {
        const decl = shapes.declare(def);
        if (decl.kind === 'alias') {
          statements.push(alias(entry.tsName, decl.type, head));
        } else {
          statements.push(interfaceOf(entry.tsName, decl, head));
        }
      }
      emitted += 1;
    } else {
      const el = mapper.set.elements.get(entry.key);
      if (el === undefined) continue;
      let type: TypeExpr;
      const elementDocs = [el.doc, el.abstract ? `${origin} (abstract)` : origin];
      if (el.type?.kind === 'anonymous' && el.type.def.kind === 'complex' && !el.nillable) {
        const decl = shapes.declare(el.type.def);
        if (decl.kind === 'interface') {
          statements.push(interfaceOf(entry.tsName, decl, elementDocs));
          emitted += 1;
          continue;
        }
      }
      if (el.type === undefined && el.substitutionGroup !== undefined) {
        const head = mapper.set.elements.get(qnameKey(el.substitutionGroup));
        type =
          head === undefined
            ? UNKNOWN
            : { k: 'ref', name: mapper.elementName(qnameKey(el.substitutionGroup)), schema: false };
      } else {
        type = mapper.useExpr(el.type, el.loc, `element '${el.name}'`);
      }
      if (el.nillable) type = union([type, NULL]);
      statements.push(alias(entry.tsName, type, elementDocs));
      emitted += 1;
    }
  }
  for (const family of mapper.families().sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const own = mapper.typeName(family.key);
    statements.push(
      alias(
        family.name,
        union(family.members.map((k) => ({ k: 'ref', name: mapper.typeName(k), schema: false }))),
        [`\`${own}\` or any type derived from it (sent and received with \`xsi:type\`).`],
      ),
    );
  }
  statements.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    statements,
    schemaCount: mapper.set.types.size + mapper.set.elements.size,
    emittedCount: emitted,
  };
}
