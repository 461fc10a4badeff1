/**
 * What `aes broker` needs when it declares its flags, before it loads the broker: the default
 * address, and which bind addresses keep the broker to this machine. A leaf (no imports), so that
 * declaring the CLI's commands loads no broker, store or LMDB.
 */

/** Port of the original AES's embedded broker. */
export const DEFAULT_BROKER_PORT = 61614;
export const DEFAULT_BROKER_HOST = '127.0.0.1';

/**
 * Whether the broker's bind address `host` keeps it to this machine: anywhere else, a broker
 * without logins (or TLS) is open to whoever reaches the address, which start-up warns about.
 */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}
