/**
 * Code generation from WSDL: loading (WSDL 1.1/2.0 with every import, offline by default), the
 * normalised model, and `aes gen` / `aes describe`. The runtime that generated clients import is
 * `codegen/client-runtime/` (package subpath `aes/soap-client`).
 */
export {
  CodegenError,
  formatLocation,
  type CodegenErrorCode,
  type SourceLocation,
} from '../wsdl/errors.js';
export {
  DEFAULT_FETCH_TIMEOUT_MS,
  loadWsdl,
  type LoadedWsdl,
  type LoadOptions,
} from '../wsdl/loader.js';
export {
  buildModel,
  generate,
  generateSources,
  type CodeModel,
  type GeneratedFile,
  type GenerateOptions,
  type ModelOptions,
  type SourceOptions,
  type WsdlSummary,
} from './generate.js';
export { describeWsdl, formatDescription, type WsdlDescription } from './describe.js';
export { RUNTIME_MODULE } from './emit-client.js';
export type { WsdlModel } from '../wsdl/wsdl-model.js';
export type { SchemaSet } from '../wsdl/schema-model.js';
