/**
 * The handshake's pure parts: nonces, version choice and the HMAC-SHA256 proofs of the mutual
 * challenge-response. The secret never crosses the wire; each side proves it holds it by a MAC
 * over both nonces and both names, with a different label per direction so that one side's
 * proof can never be replayed as the other's.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Bytes of randomness in a nonce. */
export const NONCE_BYTES = 32;

export function createNonce(): string {
  return randomBytes(NONCE_BYTES).toString('base64');
}

/** The highest version both sides speak, or undefined. */
export function chooseVersion(
  offered: readonly number[],
  supported: readonly number[],
): number | undefined {
  let best: number | undefined;
  for (const v of offered) if (supported.includes(v) && (best === undefined || v > best)) best = v;
  return best;
}

/** What both proofs cover. */
export interface ProofInput {
  readonly version: number;
  readonly clientName: string;
  readonly serverName: string;
  readonly clientNonce: string;
  readonly serverNonce: string;
}

/** The MAC one side sends: `direction` is who proves (`server` in WELCOME, `client` in AUTH). */
export function computeProof(
  secret: string | Buffer,
  direction: 'server' | 'client',
  input: ProofInput,
): string {
  return createHmac('sha256', secret)
    .update(
      [
        'aes-ikc',
        String(input.version),
        direction,
        input.clientName,
        input.serverName,
        input.clientNonce,
        input.serverNonce,
      ].join('\n'),
    )
    .digest('base64');
}

/** Constant-time check of a received proof. */
export function verifyProof(
  secret: string | Buffer,
  direction: 'server' | 'client',
  input: ProofInput,
  proof: string,
): boolean {
  const expected = Buffer.from(computeProof(secret, direction, input), 'base64');
  const given = Buffer.from(proof, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
