/**
 * `aes-endpoint-server/mock`: a SOAP server from any WSDL 1.1 or 2.0 with sample or scripted answers, what
 * `aes mock` runs (docs/mock.md). The server with its options and recorded state, the script's
 * shape, and its error. The sample builder and the script parser stay inside.
 */
export { MockServer, startMock, type MockEndpoint, type MockOptions } from './server.js';
export type { LoadOptions, ModelOptions } from '../wsdl/index.js';
export type { SoapObject, SoapValue } from './sample.js';
export type { MockState, ReceivedCall } from './behaviour.js';
export { MockError, type MockErrorCode } from './errors.js';
export type {
  BuildScript,
  FailSpec,
  FaultSpec,
  FifoScript,
  MockScript,
  OperationScript,
  PopScript,
  ResponseItem,
  ScriptedFifoRecord,
  ScriptedOperation,
} from './script.js';
