/** Typed errors of `aes mock`: a bad script file, an unusable WSDL, a server that cannot start. */
import { CodedError } from '../util/index.js';

export type MockErrorCode =
  /** The script file cannot be read or is not valid JSON. */
  | 'MOCK_SCRIPT_READ'
  /** The script file is JSON but says something invalid (names the JSON path). */
  | 'MOCK_SCRIPT_INVALID'
  /** The WSDL has nothing node-soap can serve (an XML Schema, HTTP-only bindings, no service). */
  | 'MOCK_UNSERVABLE'
  /** A `--service` / `--port-name` that the WSDL does not have. */
  | 'MOCK_USAGE'
  /** The HTTP server could not listen. */
  | 'MOCK_LISTEN';

export class MockError extends CodedError<MockErrorCode> {
  override readonly name = 'MockError';

  constructor(code: MockErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, 'MOCK_USAGE', message, options);
  }
}
