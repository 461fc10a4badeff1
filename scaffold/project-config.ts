/**
 * The project's aes.config.json as `aes endpoint create` edits it: parsed, one endpoint's entry added
 * under `endpoints.overrides` unless it is there already, and written whole (never appended), so a
 * second run never duplicates a key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ScaffoldError } from './errors.js';

export const CONFIG_FILE = 'aes.config.json';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The settings a new endpoint's entry starts with (the defaults, spelled out to be edited). */
export function endpointEntry(kind: 'outbound' | 'inbound'): Json {
  return kind === 'outbound'
    ? { batchSize: 1, callTimeoutMs: 30_000, idlePoll: { initialMs: 100, maxMs: 2_000 } }
    : { prefetch: 1, maxDeliveries: 5, callTimeoutMs: 30_000 };
}

/** Adds `name`'s entry (when absent) to a parsed config and prints it. */
export function configWithEndpoint(
  config: Json,
  name: string,
  kind: 'outbound' | 'inbound',
): string {
  const endpoints = isObject(config.endpoints) ? { ...config.endpoints } : {};
  const overrides = isObject(endpoints.overrides) ? { ...endpoints.overrides } : {};
  if (!(name in overrides)) overrides[name] = endpointEntry(kind);
  endpoints.overrides = overrides;
  return `${JSON.stringify({ ...config, endpoints }, null, 2)}\n`;
}

export interface ProjectConfig {
  readonly endpointsFolder: string;
  withEndpoint(name: string, kind: 'outbound' | 'inbound'): string;
}

export async function readProjectConfig(project: string): Promise<ProjectConfig> {
  const file = path.join(project, CONFIG_FILE);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ScaffoldError(
      'SCAFFOLD_PROJECT',
      `${file}: not an aes project (${err instanceof Error ? err.message : String(err)}); run aes create first, or pass --project`,
      { cause: err },
    );
  }
  if (!isObject(parsed)) throw new ScaffoldError('SCAFFOLD_PROJECT', `${file}: not a JSON object`);
  const config = parsed;
  const endpoints = isObject(config.endpoints) ? config.endpoints : {};
  const folder = typeof endpoints.folder === 'string' ? endpoints.folder : 'endpoints';
  return {
    endpointsFolder: folder,
    withEndpoint: (name, kind) => configWithEndpoint(config, name, kind),
  };
}
