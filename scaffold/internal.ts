/**
 * What the CLI's prompts (`aes endpoint create`) need beyond `aes-endpoint-server/scaffold`: the
 * checks of each answer, and which operation roles an endpoint kind asks for.
 */
export {
  AmbiguousFieldError,
  FIELD_ANSWERS,
  FieldAnswerError,
  fieldFlag,
  type FieldAnswer,
} from './candidates.js';
export {
  checkDestination,
  checkEndpointAbsent,
  checkEndpointName,
  checkFieldAnswer,
  checkWiring,
  checkWsdlFile,
  portFor,
  roleFlag,
  rolesOf,
  type Role,
} from './endpoint.js';
export { readProjectConfig } from './project-config.js';
export { checkCapture, parseSampleIds, readSample } from './sample.js';
export { checkRoleOperation } from './role-check.js';
export { operationNames } from './wsdl-operations.js';
