/**
 * Where node-soap's server reads each import from. node-soap resolves imports itself, so the
 * loader's mapping (`../location-map.ts`: built-in standard schemas, `--map`, `--catalog`) is
 * applied here too.
 */
import { readFile } from 'node:fs/promises';
import { decodeXml, createLocationMapper, isUrl } from '../wsdl/index.js';

/**
 * An empty schema, handed to node-soap (which takes XML text in place of a location) for a remote
 * import the loader did not need: offline, the code generator satisfies imports of built-in
 * namespaces (SOAP encoding, xml:) without reading them, where node-soap would fetch them.
 */
const EMPTY_SCHEMA =
  '<?xml version="1.0"?><xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"></xsd:schema>';

/**
 * Maps an import location with the built-in catalog of standard schemas (unless `standardSchemas`
 * is false), then `--map` (exact URL, or a prefix ending in `/`), then the catalog; an unmapped
 * remote location becomes an empty schema unless `allowNetwork`.
 */
export async function importMapper(
  map: Readonly<Record<string, string>>,
  catalog: string | undefined,
  allowNetwork: boolean,
  standardSchemas = true,
): Promise<(location: string) => string> {
  const mapper = await createLocationMapper(
    catalog === undefined ? { map, standardSchemas } : { map, catalog, standardSchemas },
    async (file) => decodeXml(await readFile(file)),
  );
  return (location) => {
    if (!isUrl(location)) return location;
    return mapper(location) ?? (allowNetwork ? location : EMPTY_SCHEMA);
  };
}
