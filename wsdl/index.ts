/**
 * The entry of `wsdl/`: a WSDL (1.1 or 2.0) and every document it imports, loaded offline by
 * default and read into the normalised model that the code generator, the mock server and the
 * scaffolds stand on, with the XML and namespace helpers they share. Loading it needs no TypeScript
 * compiler. Not a package subpath: `aes-endpoint-server/codegen` re-exports what users see of it.
 */
export {
  CodegenError,
  formatLocation,
  WsdlFetchTimeoutError,
  type CodegenErrorCode,
  type SourceLocation,
} from './errors.js';
export { DEFAULT_FETCH_TIMEOUT_MS } from './defaults.js';
export {
  loadWsdl,
  type DocumentReference,
  type FetchListener,
  type LoadedWsdl,
  type LoadOptions,
  type SchemaDocument,
} from './loader.js';
export { readWsdlDocument, type ModelOptions, type WsdlDocumentModel } from './model.js';
export { wsdl11Equivalent } from './wsdl20-to-11.js';
export type {
  Binding,
  BindingOperation,
  BodyBinding,
  MessagePart,
  OperationMessage,
  Port,
  PortType,
  PortTypeOperation,
  Service,
  SoapVersion,
  WsdlMessage,
  WsdlModel,
} from './wsdl-model.js';
export type {
  AnyParticle,
  AttributeDecl,
  AttributeGroupRef,
  AttributeItem,
  ComplexTypeDef,
  Derivation,
  ElementDecl,
  GroupRef,
  ModelGroup,
  NamedAttributeGroup,
  NamedGroup,
  Particle,
  SchemaSet,
  SimpleTypeDef,
  TypeDef,
  TypeUse,
} from './schema-model.js';
export { isXsdNs, SOAP11_ENC_NS, SOAP12_ENC_NS, XML_NS } from './namespaces.js';
export { decodeXml, parseXml, qnameKey, type QName, type XmlElement } from './xml.js';
export {
  createLocationMapper,
  isUrl,
  type LocationMapOptions,
  type LocationMapper,
} from './location-map.js';
export { getStandardSchema, standardSchemaDir, standardSchemaKey } from './standard-catalog.js';
export {
  STANDARD_SCHEMAS,
  type StandardSchema,
  type StandardSchemaLicence,
  type StandardSchemaOrigin,
} from './standard-schemas.js';
