/**
 * `aes-endpoint-server/scaffold`: what `aes create` and `aes endpoint create` do, as functions: a
 * project, and an endpoint of a project, from handlebars templates and a WSDL
 * (docs/scaffolding.md).
 */
export { ScaffoldError, type ScaffoldErrorCode } from './errors.js';
export { createProject, type CreateProjectOptions, type CreatedProject } from './project.js';
export {
  createEndpoint,
  type CreatedEndpoint,
  type EndpointAnswers,
  type EndpointFetchOptions,
  type EndpointKind,
  type EndpointPhase,
} from './endpoint.js';
export type { SampleAnswers } from './sample.js';
export { wsdlOperations, type PortOperations, type WsdlOperations } from './wsdl-operations.js';
export type { LoadOptions, ModelOptions } from '../codegen/index.js';
