/**
 * The secret a node's kernel uses: the cluster's shared secret when the config sets one, else a
 * node-local secret kept in `<dataDir>/node.secret` (mode 0600), so that a cluster of one still
 * authenticates everything that connects — the CLI and endpoints run by hand read it there.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { makeDir } from '../../util/index.js';
import { join } from 'node:path';
import type { NodeConfig } from '../config/config.js';
import { ConfigError } from '../errors.js';

export function localSecretFile(config: NodeConfig): string {
  return join(config.dataDir, 'node.secret');
}

/** The node's Unix socket, where its endpoints (and local tools) connect. */
export function nodeSocketPath(config: NodeConfig): string {
  return join(config.dataDir, 'node.sock');
}

/** Creates the local secret when needed; returns the secret the node uses. */
export async function ensureNodeSecret(config: NodeConfig): Promise<string> {
  if (config.cluster.secret !== undefined) return config.cluster.secret;
  const file = localSecretFile(config);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await makeDir(config.dataDir);
  const secret = randomBytes(24).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  });
  return (await readFile(file, 'utf8')).trim();
}

/** The secret to reach this node with, for tools; throws when there is none yet. */
export async function readNodeSecret(config: NodeConfig): Promise<string> {
  if (config.cluster.secret !== undefined) return config.cluster.secret;
  const file = localSecretFile(config);
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    throw new ConfigError(config.file, [
      {
        pointer: '/cluster/secret',
        message: `no secret set and ${file} cannot be read (${(err as Error).message}); has this node run yet?`,
      },
    ]);
  }
}
