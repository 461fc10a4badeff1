/**
 * Maps the normalised schema onto TypeScript: the name of every named type and global element,
 * the polymorphic "family" of types with subtypes, substitution groups, and the type expression of
 * any type use. Unknown references are `WSDL_UNKNOWN_REF` errors naming file, line and construct.
 */
import { builtinKind, kindExpr, type ValueKind } from './builtins.js';
import {
  CodegenError,
  type SourceLocation,
  type ComplexTypeDef,
  type ElementDecl,
  type SchemaSet,
  type SimpleTypeDef,
  type TypeDef,
  type TypeUse,
  qnameKey,
  type QName,
} from '../wsdl/index.js';
import { namespaceSuffix, NameAllocator, toIdentifier } from './names.js';
import { STRING, UNKNOWN, union, type TypeExpr } from './type-expr.js';

export interface NamedEntry {
  readonly kind: 'type' | 'element';
  readonly key: string;
  readonly qname: QName;
  readonly tsName: string;
}

function splitKey(key: string): QName {
  const close = key.indexOf('}');
  return { ns: key.slice(1, close), name: key.slice(close + 1) };
}

export class TypeMapper {
  readonly set: SchemaSet;
  readonly entries: readonly NamedEntry[];
  readonly #typeNames = new Map<string, string>();
  readonly #keyByName = new Map<string, string>();
  readonly #elementKeyByName = new Map<string, string>();
  readonly #elementNames = new Map<string, string>();
  readonly #families = new Map<string, { name: string; members: string[] }>();
  readonly #derived = new Map<string, string[]>();
  readonly #substitutes = new Map<string, string[]>();
  readonly #kinds = new Map<string, ValueKind>();
  /** Local names of user simple types that arrive as numbers/booleans (client deserializers). */
  readonly deserializers = new Map<string, 'number' | 'boolean'>();
  readonly allocator: NameAllocator;
  /** Dangling references met so far (strict mode throws instead). */
  readonly warnings: string[] = [];
  readonly strict: boolean;

  constructor(set: SchemaSet, rootNs: string, strict = false) {
    this.set = set;
    this.strict = strict;
    const allocator = new NameAllocator();
    this.allocator = allocator;
    const order = (keys: Iterable<string>): QName[] =>
      [...keys]
        .map(splitKey)
        .sort(
          (a, b) =>
            Number(a.ns !== rootNs) - Number(b.ns !== rootNs) ||
            (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0) ||
            (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
        );
    const entries: NamedEntry[] = [];
    // Two passes so that an unqualified name goes to its own namespace's declaration first.
    const typeQs = order(set.types.keys());
    const elementQs = order(set.elements.keys());
    const plain = (q: QName): string => toIdentifier(q.name);
    for (const q of typeQs) {
      const id = plain(q);
      const name = allocator.allocate(id, `${id}_${namespaceSuffix(q.ns)}`);
      this.#typeNames.set(qnameKey(q), name);
      this.#keyByName.set(name, qnameKey(q));
      entries.push({ kind: 'type', key: qnameKey(q), qname: q, tsName: name });
    }
    for (const q of elementQs) {
      const id = plain(q);
      const name = allocator.allocate(id, `${id}Element`, `${id}Element_${namespaceSuffix(q.ns)}`);
      this.#elementNames.set(qnameKey(q), name);
      this.#elementKeyByName.set(name, qnameKey(q));
      entries.push({ kind: 'element', key: qnameKey(q), qname: q, tsName: name });
    }
    this.entries = entries.sort((a, b) => (a.tsName < b.tsName ? -1 : a.tsName > b.tsName ? 1 : 0));

    for (const [key, def] of set.types) {
      if (def.kind !== 'complex' || def.derivation === undefined) continue;
      const baseKey = qnameKey(def.derivation.base);
      if (!set.types.has(baseKey)) continue;
      const list = this.#derived.get(baseKey) ?? [];
      list.push(key);
      this.#derived.set(baseKey, list);
    }
    for (const [key, el] of set.elements) {
      if (el.substitutionGroup === undefined) continue;
      const head = qnameKey(el.substitutionGroup);
      const list = this.#substitutes.get(head) ?? [];
      list.push(key);
      this.#substitutes.set(head, list);
    }
    for (const q of typeQs) {
      const key = qnameKey(q);
      const def = set.types.get(key);
      if (def === undefined || def.kind !== 'complex') continue;
      const members = this.#descendants(key).filter((k) => {
        const d = set.types.get(k);
        return d?.kind === 'complex' && !d.abstract;
      });
      if (!def.abstract) members.unshift(key);
      const hasSubtypes = (this.#derived.get(key)?.length ?? 0) > 0;
      if (hasSubtypes && members.length > 0) {
        const own = this.#typeNames.get(key) ?? '';
        const name = allocator.allocate(`Any${own.charAt(0).toUpperCase()}${own.slice(1)}`);
        this.#families.set(key, { name, members });
      }
    }
    this.#computeDeserializers();
  }

  #descendants(key: string, seen = new Set<string>()): string[] {
    const out: string[] = [];
    for (const d of this.#derived.get(key) ?? []) {
      if (seen.has(d)) continue;
      seen.add(d);
      out.push(d, ...this.#descendants(d, seen));
    }
    // Code-unit order, not the locale's: output must not depend on where it is generated.
    return out.sort((a, b) => {
      const x = this.typeName(a);
      const y = this.typeName(b);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }

  /** Global elements that may stand in for `headKey` (transitively), sorted. */
  substitutes(headKey: string, seen = new Set<string>()): string[] {
    const out: string[] = [];
    for (const s of this.#substitutes.get(headKey) ?? []) {
      if (seen.has(s)) continue;
      seen.add(s);
      out.push(s, ...this.substitutes(s, seen));
    }
    return out.sort();
  }

  /** What a declared TypeScript name stands for. */
  declarationOf(tsName: string): { kind: 'type' | 'element' | 'family'; key: string } | undefined {
    const typeKey = this.#keyByName.get(tsName);
    if (typeKey !== undefined) return { kind: 'type', key: typeKey };
    const elementKey = this.#elementKeyByName.get(tsName);
    if (elementKey !== undefined) return { kind: 'element', key: elementKey };
    for (const [key, f] of this.#families) if (f.name === tsName) return { kind: 'family', key };
    return undefined;
  }

  typeName(key: string): string {
    return this.#typeNames.get(key) ?? '';
  }

  elementName(key: string): string {
    return this.#elementNames.get(key) ?? '';
  }

  family(key: string): { readonly name: string; readonly members: readonly string[] } | undefined {
    return this.#families.get(key);
  }

  families(): { key: string; name: string; members: readonly string[] }[] {
    return [...this.#families.entries()].map(([key, f]) => ({ key, ...f }));
  }

  /**
   * Reports a dangling reference: an error in strict mode, else a warning (the reference becomes
   * `unknown`). Real WSDLs carry such references; node-soap tolerates them too.
   */
  unresolved(message: string, loc: SourceLocation): void {
    const error = new CodegenError('WSDL_UNKNOWN_REF', message, { location: loc });
    if (this.strict) throw error;
    if (!this.warnings.includes(error.message)) this.warnings.push(error.message);
  }

  /** The declared type `q` refers to (undefined for built-ins and dangling references). */
  lookupType(q: QName, loc: SourceLocation, construct: string): TypeDef | undefined {
    if (builtinKind(q.ns, q.name) !== undefined) return undefined;
    const def = this.set.types.get(qnameKey(q));
    if (def === undefined)
      this.unresolved(`${construct} refers to unknown type ${qnameKey(q)}`, loc);
    return def;
  }

  lookupElement(q: QName, loc: SourceLocation, construct: string): ElementDecl | undefined {
    const el = this.set.elements.get(qnameKey(q));
    if (el === undefined)
      this.unresolved(`${construct} refers to unknown element ${qnameKey(q)}`, loc);
    return el;
  }

  /** How values of a simple type arrive from node-soap with the client runtime's deserializers. */
  kindOf(def: SimpleTypeDef, depth = 0): ValueKind {
    if (def.name !== undefined) {
      const cached = this.#kinds.get(qnameKey({ ns: def.ns, name: def.name }));
      if (cached !== undefined) return cached;
    }
    if (depth > 50 || def.variety !== 'atomic' || def.enumerations.length > 0) return 'string';
    const base = def.base;
    if (base === undefined) return 'string';
    if (base.kind === 'anonymous')
      return base.def.kind === 'simple' ? this.kindOf(base.def, depth + 1) : 'string';
    const builtin = builtinKind(base.qname.ns, base.qname.name);
    if (builtin !== undefined) return builtin === 'unknown' ? 'string' : builtin;
    const baseDef = this.set.types.get(qnameKey(base.qname));
    return baseDef?.kind === 'simple' ? this.kindOf(baseDef, depth + 1) : 'string';
  }

  #computeDeserializers(): void {
    const byLocal = new Map<string, Set<ValueKind>>();
    const named: [string, SimpleTypeDef][] = [];
    for (const [key, def] of this.set.types) {
      if (def.kind !== 'simple' || def.name === undefined) continue;
      named.push([key, def]);
      const set = byLocal.get(def.name) ?? new Set<ValueKind>();
      set.add(this.kindOf(def));
      byLocal.set(def.name, set);
    }
    for (const [key, def] of named) {
      const kinds = byLocal.get(def.name ?? '') ?? new Set();
      const builtin = builtinKind('http://www.w3.org/2001/XMLSchema', def.name ?? '');
      // node-soap picks a deserializer by local type name only: an ambiguous name stays a string.
      const ambiguous =
        kinds.size > 1 || (builtin !== undefined && builtin !== 'string' && !kinds.has(builtin));
      const kind = ambiguous ? 'string' : this.kindOf(def);
      this.#kinds.set(key, kind);
      if (kind === 'number' || kind === 'boolean') this.deserializers.set(def.name ?? '', kind);
    }
  }

  /** The TypeScript type of values of a simple type definition (named or inline). */
  simpleExpr(def: SimpleTypeDef, depth = 0): TypeExpr {
    if (depth > 50) return STRING;
    if (def.variety === 'atomic' && def.enumerations.length > 0) {
      return union(def.enumerations.map((value) => ({ k: 'literal', value })));
    }
    if (def.variety === 'union') {
      const members = def.memberTypes.map((m) =>
        this.useExpr(m, def.loc, 'xsd:union member', depth + 1),
      );
      return members.every((m) => this.isStringLike(m)) && members.length > 0
        ? union(members)
        : STRING;
    }
    if (def.variety === 'list') return STRING;
    const base = def.base;
    if (base?.kind === 'named') {
      const baseDef = this.lookupType(
        base.qname,
        def.loc,
        `restriction of ${def.name ?? 'an anonymous simpleType'}`,
      );
      // A restriction of an enumeration without facets of its own keeps the enumeration.
      if (baseDef?.kind === 'simple' && this.isEnumLike(baseDef))
        return this.useExpr(base, def.loc, 'restriction', depth + 1);
    }
    const kind = this.kindOf(def);
    return kindExpr(kind === 'unknown' ? 'string' : kind);
  }

  isEnumLike(def: SimpleTypeDef, depth = 0): boolean {
    if (depth > 50) return false;
    if (def.variety === 'atomic' && def.enumerations.length > 0) return true;
    if (def.variety === 'atomic' && def.base?.kind === 'named') {
      const baseDef = this.set.types.get(qnameKey(def.base.qname));
      return baseDef?.kind === 'simple' && this.isEnumLike(baseDef, depth + 1);
    }
    return false;
  }

  /** True when every value of `expr` is a string (attributes always arrive as strings). */
  isStringLike(expr: TypeExpr): boolean {
    switch (expr.k) {
      case 'literal':
        return true;
      case 'keyword':
        return expr.name === 'string';
      case 'union':
        return expr.items.every((i) => this.isStringLike(i));
      case 'ref': {
        const key = this.#keyByName.get(expr.name);
        const def = key === undefined ? undefined : this.set.types.get(key);
        return def?.kind === 'simple' && this.isStringLike(this.simpleExpr(def));
      }
      default:
        return false;
    }
  }

  /** The value type of a type use: named types by reference (families for types with subtypes). */
  useExpr(use: TypeUse | undefined, loc: SourceLocation, construct: string, depth = 0): TypeExpr {
    if (use === undefined) return UNKNOWN;
    if (use.kind === 'anonymous') {
      return use.def.kind === 'simple'
        ? this.simpleExpr(use.def, depth)
        : this.anonymousComplex(use.def);
    }
    const builtin = builtinKind(use.qname.ns, use.qname.name);
    if (builtin !== undefined) return kindExpr(builtin);
    if (this.lookupType(use.qname, loc, construct) === undefined) return UNKNOWN;
    const key = qnameKey(use.qname);
    const family = this.#families.get(key);
    return { k: 'ref', name: family?.name ?? this.typeName(key), schema: true };
  }

  /** Set by the shape builder: how to render an anonymous complex type inline. */
  anonymousComplex: (def: ComplexTypeDef) => TypeExpr = () => UNKNOWN;
}
