/**
 * Programs from Debian packages that some tests drive: Prometheus (`prometheus`) and Chromium
 * (`chromium`). A test that needs an absent one skips and says why; under CI
 * (`CI=true` or `AES_REQUIRE_SERVICES=1`, where .ci/run installs them) the absence fails.
 */
import { existsSync } from 'node:fs';
import { SERVICES_REQUIRED } from './services.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const CHROMIUM_BIN = '/usr/bin/chromium';

/** `undefined` when `path` exists; else a skip reason (or a throw when it is required). */
export function binarySkipReason(path: string, debianPackage: string): string | undefined {
  if (existsSync(path)) return undefined;
  const reason = `${path} not found (apt-get install -y ${debianPackage})`;
  if (SERVICES_REQUIRED) throw new Error(`${reason}: required under CI`);
  console.log(`# SKIP: ${reason}`);
  return reason;
}
