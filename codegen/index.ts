/**
 * `aes-endpoint-server/codegen`: code generation from WSDL, what `aes gen` and `aes describe` run.
 * Generating typed clients (to files or in memory), describing a WSDL's operations, their options
 * and the error they raise; the built-in catalog of standard schemas that remote imports are read
 * from first. The WSDL model and the emitters stay inside. The runtime that generated clients
 * import is `aes-endpoint-server/soap-client`; the mock is `aes-endpoint-server/mock`; the
 * scaffolds are `aes-endpoint-server/scaffold`.
 */
export {
  CodegenError,
  DEFAULT_FETCH_TIMEOUT_MS,
  formatLocation,
  getStandardSchema,
  STANDARD_SCHEMAS,
  WsdlFetchTimeoutError,
  type CodegenErrorCode,
  type FetchListener,
  type LoadOptions,
  type ModelOptions,
  type SourceLocation,
  type StandardSchema,
  type StandardSchemaLicence,
  type StandardSchemaOrigin,
} from '../wsdl/index.js';
export {
  generate,
  generateSources,
  type GeneratedFile,
  type GenerateOptions,
  type SourceOptions,
  type WsdlSummary,
} from './generate.js';
export {
  describeWsdl,
  formatDescription,
  type OperationDescription,
  type PortDescription,
  type WsdlDescription,
} from './describe.js';
export { RUNTIME_MODULE } from './emit-client.js';
