/**
 * What the code generator shares with the generated clients' runtime beyond
 * `aes-endpoint-server/soap-client`: the XSD built-ins that arrive as numbers. Light on purpose: it
 * loads no node-soap, so `aes gen` does not either.
 */
export { NUMBER_BUILTINS } from './xsd-builtins.js';
