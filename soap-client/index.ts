/**
 * `aes-endpoint-server/soap-client`: the small runtime that generated SOAP clients import.
 * Generated code depends on this entry only (and on node-soap through it).
 */
export {
  createPortClient,
  DEFAULT_CALL_TIMEOUT_MS,
  deserializers,
  GeneratedSoapClient,
  type CallOptions,
  type OperationBinding,
  type PortInfo,
  type SecurityOptions,
  type SoapClientOptions,
} from './client.js';
export type { Client as SoapClient } from 'soap';
export { SoapHttpClient } from './http-client.js';
export {
  coerce,
  type BodyUse,
  type Coercion,
  type CoercionLeaf,
  type CoercionTable,
} from './coerce.js';
export {
  faultOf,
  SoapCallError,
  SoapFaultError,
  type SoapCallErrorCode,
  type SoapFault,
} from './errors.js';
