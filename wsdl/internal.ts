/**
 * What sibling folders need of `wsdl/` beyond its public entry: the standard-schema catalog's
 * mapper, for the SOAP client runtime (`soap-client/`), which loads a generated client's WSDL at
 * run time and must find the same standard schemas offline as generation did. It imports only
 * the catalog, not the parsers.
 */
export { standardSchemaMapper } from './standard-catalog.js';
