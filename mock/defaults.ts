/**
 * Defaults of `aes mock` that the CLI needs when it declares its flags. Kept apart from the server
 * so that declaring the flags does not load node-soap and the WSDL model.
 */

export const DEFAULT_MOCK_HOST = '127.0.0.1';
