/**
 * `aes/codegen`: code generation from WSDL. Loading (WSDL 1.1/2.0 with every import, offline by
 * default), the normalised model, and what `aes gen` / `aes describe` run. The runtime that
 * generated clients import is `aes/soap-client` (`soap-client/`); the mock is `aes/mock`.
 */
export {
  CodegenError,
  DEFAULT_FETCH_TIMEOUT_MS,
  formatLocation,
  loadWsdl,
  type CodegenErrorCode,
  type LoadedWsdl,
  type LoadOptions,
  type ModelOptions,
  type SchemaSet,
  type SourceLocation,
  type WsdlModel,
} from '../wsdl/index.js';
export {
  buildModel,
  generate,
  generateSources,
  type CodeModel,
  type GeneratedFile,
  type GenerateOptions,
  type SourceOptions,
  type WsdlSummary,
} from './generate.js';
export { describeWsdl, formatDescription, type WsdlDescription } from './describe.js';
export { RUNTIME_MODULE } from './emit-client.js';
