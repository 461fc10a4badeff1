/**
 * The built-in catalog: remote locations of well-known standard schemas (W3C, OASIS) answered from
 * the copies in the package's `standard-schemas/` folder, before any `--map`, `--catalog` or
 * network. Real WSDLs spell these locations in several ways (`http:` or `https:`, with or without a
 * trailing `/` or a `.xsd` suffix), so lookups compare a normalised key.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STANDARD_SCHEMAS, type StandardSchema } from './standard-schemas.js';

// wsdl/ (source) and dist/wsdl/ (built) sit one and two levels below the package root.
const CANDIDATES = [
  new URL('../standard-schemas/', import.meta.url),
  new URL('../../standard-schemas/', import.meta.url),
];

/** The package's `standard-schemas/` folder (package.json `files` ships it). */
export function standardSchemaDir(): string {
  const first = STANDARD_SCHEMAS[0]?.file ?? 'xml.xsd';
  const dirs = CANDIDATES.map((url) => fileURLToPath(url));
  // An installed package always has one; else name the first, and reading it will say so.
  return dirs.find((dir) => existsSync(path.join(dir, first))) ?? (dirs[0] as string);
}

/**
 * The key a location is looked up by: host and path, without scheme, trailing `/` or `.xsd`
 * suffix; `undefined` for anything but a plain `http:`/`https:` URL (a query or fragment names
 * something else than the schema).
 */
export function standardSchemaKey(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  if (parsed.search !== '' || parsed.hash !== '' || parsed.username !== '') return undefined;
  const port = parsed.port === '' ? '' : `:${parsed.port}`;
  const pathname = parsed.pathname.replace(/\/+$/, '').replace(/\.xsd$/i, '');
  return `${parsed.hostname}${port}${pathname}`;
}

function buildIndex(): ReadonlyMap<string, StandardSchema> {
  const index = new Map<string, StandardSchema>();
  for (const schema of STANDARD_SCHEMAS) {
    for (const url of schema.urls) {
      const key = standardSchemaKey(url);
      if (key !== undefined) index.set(key, schema);
    }
  }
  return index;
}

let index: ReadonlyMap<string, StandardSchema> | undefined;

/** The standard schema published at `url` (in any of its spellings), or `undefined`. */
export function getStandardSchema(url: string): StandardSchema | undefined {
  const key = standardSchemaKey(url);
  if (key === undefined) return undefined;
  index ??= buildIndex();
  return index.get(key);
}

/**
 * Maps the location of a standard schema to its copy in `standard-schemas/` (a `LocationMapper`
 * of `location-map.ts`, which imports this module).
 */
export function standardSchemaMapper(): (url: string) => string | undefined {
  const dir = standardSchemaDir();
  return (url) => {
    const found = getStandardSchema(url);
    return found === undefined ? undefined : path.join(dir, found.file);
  };
}
