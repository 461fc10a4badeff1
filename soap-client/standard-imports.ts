/**
 * node-soap reads a generated client's WSDL again at run time, following every import and
 * include. Standard schemas (W3C xmlmime, XOP, SOAP envelopes, the OASIS WS-* schemas that ONVIF
 * imports, …) are imported by their published URL: offline, or behind a firewall, the client
 * could not load although generation worked (it used the package's copies). These options map
 * those locations to the same copies (`wsdl/standard-catalog.ts`) before node-soap reads them;
 * any other location goes to the caller's own `overrideImportLocation`, if one is given.
 */
import type { IOptions } from 'soap';
import { standardSchemaMapper } from '../wsdl/internal.js';

type WsdlOptions = NonNullable<IOptions['wsdl_options']>;
type Override = (location: string, parent: string, original: string, options: unknown) => string;

/** `wsdlOptions` with the standard schemas' locations answered from the package's copies. */
export function withStandardImports(wsdlOptions: WsdlOptions | undefined): WsdlOptions {
  const mapped = standardSchemaMapper();
  const own = wsdlOptions?.['overrideImportLocation'] as Override | undefined;
  const overrideImportLocation: Override = (location, parent, original, options) =>
    mapped(location) ?? (own === undefined ? location : own(location, parent, original, options));
  return { ...wsdlOptions, overrideImportLocation };
}
