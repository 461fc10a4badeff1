/**
 * Where node-soap's server reads each import from. node-soap resolves imports itself, so the
 * loader's `--map` and `--catalog` are applied again here (the loader keeps its resolver private).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeXml, parseXml } from '../xml.js';

/**
 * An empty schema, handed to node-soap (which takes XML text in place of a location) for a remote
 * import the loader did not need: offline, the code generator satisfies imports of built-in
 * namespaces (SOAP encoding, xml:) without reading them, where node-soap would fetch them.
 */
const EMPTY_SCHEMA =
  '<?xml version="1.0"?><xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"></xsd:schema>';

function isUrl(loc: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(loc);
}

/** `uri`/`system` and `rewriteURI`/`rewriteSystem` entries of an OASIS XML catalog. */
async function catalogEntries(file: string): Promise<[string, string, boolean][]> {
  const root = parseXml(decodeXml(await readFile(file)), file);
  const dir = path.dirname(path.resolve(file));
  const target = (v: string): string => (isUrl(v) ? v : path.resolve(dir, v));
  const out: [string, string, boolean][] = [];
  for (const el of root.children) {
    const exact = el.local === 'uri' || el.local === 'system';
    const from = exact
      ? el.attrs.get(el.local === 'uri' ? 'name' : 'systemId')
      : el.local === 'rewriteURI'
        ? el.attrs.get('uriStartString')
        : el.local === 'rewriteSystem'
          ? el.attrs.get('systemIdStartString')
          : undefined;
    const to = el.attrs.get(exact ? 'uri' : 'rewritePrefix');
    if (from !== undefined && to !== undefined) out.push([from, target(to), !exact]);
  }
  return out;
}

/**
 * Maps an import location with `--map` (exact URL, or a prefix ending in `/`), then the catalog;
 * an unmapped remote location becomes an empty schema unless `allowNetwork`.
 */
export async function importMapper(
  map: Readonly<Record<string, string>>,
  catalog: string | undefined,
  allowNetwork: boolean,
): Promise<(location: string) => string> {
  const entries: [string, string, boolean][] = Object.entries(map).map(([from, to]) => [
    from,
    path.resolve(to),
    from.endsWith('/'),
  ]);
  if (catalog !== undefined) entries.push(...(await catalogEntries(catalog)));
  entries.sort((a, b) => b[0].length - a[0].length);
  return (location) => {
    for (const [from, to, prefix] of entries) {
      if (location === from && !prefix) return to;
      if (prefix && location.startsWith(from)) {
        const rest = location.slice(from.length);
        return isUrl(to) ? to + rest : path.join(to, rest);
      }
    }
    return isUrl(location) && !allowNetwork ? EMPTY_SCHEMA : location;
  };
}
