/**
 * Offline resolution of remote locations: the built-in catalog of standard schemas
 * (`standard-catalog.ts`), then `--map <url>=<path>` (exact, or a prefix ending in `/`), then an
 * OASIS XML catalog (`uri`, `system`, `rewriteURI`, `rewriteSystem` entries). Used by the loader
 * and by `aes mock`, whose node-soap server resolves imports itself.
 */
import path from 'node:path';
import { standardSchemaMapper } from './standard-catalog.js';
import { parseXml } from './xml.js';

export function isUrl(location: string): boolean {
  return /^[a-z][a-z0-9+.-]+:\/\//i.test(location);
}

/** Maps a remote URL to a local path (or another URL), or `undefined` when nothing maps it. */
export type LocationMapper = (url: string) => string | undefined;

function mapFromOptions(map: Readonly<Record<string, string>>): LocationMapper {
  const entries = Object.entries(map).sort((a, b) => b[0].length - a[0].length);
  return (url) => {
    for (const [from, to] of entries) {
      if (url === from) return path.resolve(to);
      if (from.endsWith('/') && url.startsWith(from))
        return path.resolve(to, url.slice(from.length));
    }
    return undefined;
  };
}

async function loadCatalog(
  file: string,
  readText: (file: string) => Promise<string>,
): Promise<LocationMapper> {
  const root = parseXml(await readText(file), file);
  const dir = path.dirname(path.resolve(file));
  const exact = new Map<string, string>();
  const prefixes: [string, string][] = [];
  for (const el of root.children) {
    const target = (v: string | undefined): string | undefined =>
      v === undefined ? undefined : isUrl(v) ? v : path.resolve(dir, v);
    if (el.local === 'uri' || el.local === 'system') {
      const name = el.attrs.get(el.local === 'uri' ? 'name' : 'systemId');
      const to = target(el.attrs.get('uri'));
      if (name !== undefined && to !== undefined) exact.set(name, to);
    } else if (el.local === 'rewriteURI' || el.local === 'rewriteSystem') {
      const from = el.attrs.get(
        el.local === 'rewriteURI' ? 'uriStartString' : 'systemIdStartString',
      );
      const to = target(el.attrs.get('rewritePrefix'));
      if (from !== undefined && to !== undefined) prefixes.push([from, to]);
    }
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return (url) => {
    const hit = exact.get(url);
    if (hit !== undefined) return hit;
    for (const [from, to] of prefixes) {
      if (url.startsWith(from))
        return isUrl(to) ? to + url.slice(from.length) : path.join(to, url.slice(from.length));
    }
    return undefined;
  };
}

/** Where remote locations are read from offline. */
export interface LocationMapOptions {
  /** Remote URL (or URL prefix ending in `/`) to local path. */
  readonly map?: Readonly<Record<string, string>>;
  /** An OASIS XML catalog file. */
  readonly catalog?: string;
  /**
   * Answer the locations of well-known standard schemas from the copies shipped in the package,
   * before `map` and `catalog` (`--no-standard-schemas` turns it off). @defaultValue true
   */
  readonly standardSchemas?: boolean;
}

/**
 * The built-in catalog of standard schemas first, then `--map` entries, then the catalog;
 * `readText` reads (and decodes) the catalog file.
 */
export async function createLocationMapper(
  options: LocationMapOptions,
  readText: (file: string) => Promise<string>,
): Promise<LocationMapper> {
  const mappers: LocationMapper[] = [];
  if (options.standardSchemas !== false) mappers.push(standardSchemaMapper());
  if (options.map !== undefined) mappers.push(mapFromOptions(options.map));
  if (options.catalog !== undefined) mappers.push(await loadCatalog(options.catalog, readText));
  return (url) => {
    for (const mapper of mappers) {
      const hit = mapper(url);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
}
