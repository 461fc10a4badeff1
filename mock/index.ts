/** `aes mock`: a SOAP server from any WSDL 1.1 with sample or scripted answers (docs/mock.md). */
export { DEFAULT_MOCK_HOST } from './defaults.js';
export {
  MAX_REQUEST_BYTES,
  MockServer,
  startMock,
  STATE_PATH,
  type MockEndpoint,
  type MockOptions,
} from './server.js';
export type { MockState, ReceivedCall } from './behaviour.js';
export { MockError, type MockErrorCode } from './errors.js';
export {
  loadScript,
  parseScript,
  type BuildScript,
  type FailSpec,
  type FaultSpec,
  type ScriptedFifoRecord,
  type FifoScript,
  type MockScript,
  type OperationScript,
  type PopScript,
  type ResponseItem,
  type ScriptedOperation,
} from './script.js';
export {
  DEFAULT_SAMPLE_SEED,
  SampleBuilder,
  type SampleOptions,
  type SoapValue,
} from './sample.js';
