/**
 * The `types` of a WSDL 2.0 document's WSDL 1.1 equivalent, written so node-soap reads every
 * schema: each inline schema made to stand alone (its in-scope prefixes declared on it, relative
 * locations re-based), one schema per target namespace (node-soap keeps only the last schema of a
 * namespace, so inline schemas that share one are merged), and an `xs:import` written straight
 * under WSDL 2.0 `types` turned into an `xs:include` of that namespace's schema.
 */
import path from 'node:path';
import { CodegenError, formatLocation } from './errors.js';
import type { LoadedWsdl } from './loader.js';
import { isUrl } from './location-map.js';
import { isWsdl20Ns, isXsdNs, XSD_NS } from './namespaces.js';
import { locationOf, type XmlElement } from './xml.js';

/** Schema attributes that change what its declarations mean: merged schemas must agree on them. */
const SCHEMA_DEFAULTS = [
  'elementFormDefault',
  'attributeFormDefault',
  'blockDefault',
  'finalDefault',
] as const;

export function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** A schema location written in `file`, as seen from `folderAbs` (where the result will live). */
function rebase(loc: string, file: string, folderAbs: string): string {
  if (isUrl(loc)) return loc;
  if (isUrl(file)) return new URL(loc, file).href;
  return path
    .relative(folderAbs, path.resolve(path.dirname(file), loc))
    .split(path.sep)
    .join('/');
}

/**
 * Every prefix in scope at `el`: the parser's scope objects inherit their ancestors' declarations
 * through the prototype chain, which `Object.entries` does not see.
 */
function inScope(el: XmlElement): Map<string, string> {
  const out = new Map<string, string>();
  for (const prefix in el.scope) {
    // `xml` and `xmlns` are bound by XML itself and never declared.
    if (prefix !== 'xml' && prefix !== 'xmlns') out.set(prefix, el.scope[prefix] ?? '');
  }
  return out;
}

/** `xmlns` attributes for `scope`. */
function declarations(scope: ReadonlyMap<string, string>): string {
  return [...scope]
    .map(([prefix, uri]) => ` xmlns${prefix === '' ? '' : `:${prefix}`}="${escapeAttr(uri)}"`)
    .join('');
}

/** The text of `el` with its schema locations re-based. */
function rebasedText(el: XmlElement, source: string, folderAbs: string): string {
  return source
    .slice(el.start, el.end)
    .replace(
      /(schemaLocation\s*=\s*)(["'])([^"']*)\2/g,
      (_m, attr: string, q: string, loc: string) =>
        `${attr}${q}${escapeAttr(rebase(loc, el.file, folderAbs))}${q}`,
    );
}

/** An element's text with the xmlns declarations of its start tag removed. */
function withoutDeclarations(text: string): string {
  const end = text.indexOf('>');
  const startTag = text
    .slice(0, end)
    .replace(/\s+xmlns(?::[^\s=]+)?\s*=\s*(?:"[^"]*"|'[^']*')/g, '');
  return startTag + text.slice(end);
}

/** The content of an element's text: what lies between its start and end tags ('' when empty). */
function innerText(text: string): string {
  const end = text.indexOf('>');
  if (text[end - 1] === '/') return '';
  return text.slice(end + 1, text.lastIndexOf('<'));
}

interface NamespaceSchemas {
  readonly schemas: XmlElement[];
  /** Locations of the `xs:import`s of this namespace straight under `types`, re-based. */
  readonly imports: string[];
}

function where(el: XmlElement): string {
  return formatLocation(locationOf(el));
}

/** The one schema node-soap reads for namespace `ns`. */
function mergedSchema(
  ns: string,
  group: NamespaceSchemas,
  loaded: LoadedWsdl,
  folderAbs: string,
): string {
  const [first] = group.schemas;
  const includes = group.imports.map((loc) => `<xs:include schemaLocation="${escapeAttr(loc)}"/>`);
  if (first === undefined) {
    const tns = ns === '' ? '' : ` targetNamespace="${escapeAttr(ns)}"`;
    return `<xs:schema xmlns:xs="${XSD_NS}"${tns}>${includes.join('')}</xs:schema>`;
  }
  const scope = new Map<string, string>();
  const scopeOwner = new Map<string, XmlElement>();
  for (const s of group.schemas) {
    for (const attr of SCHEMA_DEFAULTS) {
      if ((s.attrs.get(attr) ?? '') !== (first.attrs.get(attr) ?? '')) {
        throw new CodegenError(
          'WSDL_UNSUPPORTED',
          `inline schemas of namespace '${ns}' differ in ${attr} (${where(first)} and ${where(s)}): node-soap reads one schema per namespace; give them the same ${attr}`,
          { location: locationOf(s) },
        );
      }
    }
    for (const [prefix, uri] of inScope(s)) {
      const had = scope.get(prefix);
      if (had !== undefined && had !== uri) {
        throw new CodegenError(
          'WSDL_UNSUPPORTED',
          `inline schemas of namespace '${ns}' bind prefix '${prefix}' to different namespaces (${had} at ${where(scopeOwner.get(prefix) ?? first)}, ${uri} at ${where(s)}): node-soap reads one schema per namespace; use one prefix per namespace`,
          { location: locationOf(s) },
        );
      }
      scope.set(prefix, uri);
      scopeOwner.set(prefix, s);
    }
  }
  const texts = group.schemas.map((s) =>
    rebasedText(s, loaded.sources.get(s.file) ?? '', folderAbs),
  );
  const firstText = withoutDeclarations(texts[0] ?? '');
  const nameEnd = /^<[^\s/>]+/.exec(firstText)?.[0].length ?? 0;
  const name = firstText.slice(1, nameEnd);
  const attrs = firstText.slice(nameEnd, firstText.indexOf('>')).replace(/\/$/, '');
  // The includes need the XML Schema namespace under some prefix.
  const xsPrefix = [...scope].find(([, uri]) => isXsdNs(uri))?.[0];
  const head = includes.map((inc) =>
    xsPrefix === undefined
      ? inc.replace('<xs:include ', `<include xmlns="${XSD_NS}" `)
      : inc.replace('<xs:include ', xsPrefix === '' ? '<include ' : `<${xsPrefix}:include `),
  );
  const bodies = texts.map(innerText);
  // Imports and includes come first in a schema; the merged bodies follow in document order.
  const later = bodies.slice(1).map(hoistImports);
  return [
    `<${name}${declarations(scope)}${attrs}>`,
    ...head,
    ...later.flatMap((l) => l.imports),
    bodies[0] ?? '',
    ...later.map((l) => l.rest),
    `</${name}>`,
  ].join('');
}

/** Splits a schema body into its top-level `import`/`include` elements and the rest. */
function hoistImports(body: string): { imports: string[]; rest: string } {
  const imports: string[] = [];
  const rest = body.replace(
    /<(?:[\w.-]+:)?(?:import|include)\b[^>]*?(?:\/>|>[\s\S]*?<\/(?:[\w.-]+:)?(?:import|include)\s*>)/g,
    (m) => {
      imports.push(m);
      return '';
    },
  );
  return { imports, rest };
}

/** The schema elements of the `types` section, one per namespace, in document order. */
export function typesOf(loaded: LoadedWsdl, folderAbs: string): string[] {
  const wsdl20Files = new Set(loaded.wsdls.filter((w) => isWsdl20Ns(w.ns)).map((w) => w.file));
  const groups = new Map<string, NamespaceSchemas>();
  const group = (ns: string): NamespaceSchemas => {
    let g = groups.get(ns);
    if (g === undefined) {
      g = { schemas: [], imports: [] };
      groups.set(ns, g);
    }
    return g;
  };
  for (const desc of loaded.wsdls) {
    if (!wsdl20Files.has(desc.file)) continue;
    for (const types of desc.children.filter((c) => c.ns === desc.ns && c.local === 'types')) {
      for (const el of types.children) {
        if (!isXsdNs(el.ns)) continue;
        if (el.local === 'schema') group(el.attrs.get('targetNamespace') ?? '').schemas.push(el);
        const loc = el.attrs.get('schemaLocation');
        if (el.local === 'import' && loc !== undefined)
          group(el.attrs.get('namespace') ?? '').imports.push(rebase(loc, el.file, folderAbs));
      }
    }
  }
  return [...groups].map(([ns, g]) => mergedSchema(ns, g, loaded, folderAbs));
}
