/** `aes create` and `aes endpoint create`: projects and endpoints from handlebars templates. */
export { ScaffoldError, type ScaffoldErrorCode } from './errors.js';
export { createProject, type CreateProjectOptions, type CreatedProject } from './project.js';
export {
  checkDestination,
  checkEndpointName,
  createEndpoint,
  roleFlag,
  rolesOf,
  type CreatedEndpoint,
  type EndpointAnswers,
  type EndpointKind,
  type EndpointPhase,
  type Role,
} from './endpoint.js';
export {
  operationNames,
  wsdlOperations,
  type PortOperations,
  type WsdlOperations,
} from './wsdl-operations.js';
export { templatesDir } from './templates.js';
