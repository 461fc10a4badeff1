/**
 * What the CLI's prompts (`aes endpoint create`) need beyond `aes-endpoint-server/scaffold`: the
 * checks of each answer, and which operation roles an endpoint kind asks for.
 */
export { checkDestination, checkEndpointName, roleFlag, rolesOf, type Role } from './endpoint.js';
export { operationNames } from './wsdl-operations.js';
