/** Prometheus HTTP service discovery from the cluster's members, and the shipped scrape config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serviceDiscoveryTargets } from '../../runtime/observability/index.js';
import { checkConfig, promtoolSkipReason } from './promtool.js';

test('one target group per member, sorted, with scheme and path only when not the default', () => {
  const groups = serviceDiscoveryTargets(
    [
      { name: 'n2', metricsUrl: 'https://10.0.0.2:9464/metrics' },
      { name: 'n1', metricsUrl: 'http://10.0.0.1:9464/metrics' },
      { name: 'n3', metricsUrl: 'http://[::1]/aes/metrics' },
      { name: 'n1', metricsUrl: 'http://10.0.0.9:9464/metrics' },
    ],
    { cluster: 'prod' },
  );
  assert.deepEqual(groups, [
    { targets: ['10.0.0.1:9464'], labels: { node: 'n1', cluster: 'prod' } },
    { targets: ['10.0.0.2:9464'], labels: { node: 'n2', cluster: 'prod', __scheme__: 'https' } },
    {
      targets: ['[::1]:80'],
      labels: { node: 'n3', cluster: 'prod', __metrics_path__: '/aes/metrics' },
    },
  ]);
  assert.deepEqual(serviceDiscoveryTargets([]), []);
  assert.throws(
    () => serviceDiscoveryTargets([{ name: 'bad', metricsUrl: 'ftp://x/metrics' }]),
    /member 'bad'/,
  );
  assert.throws(() => serviceDiscoveryTargets([{ name: 'bad', metricsUrl: 'nope' }]), /'nope'/);
});

test('docs/prometheus/prometheus.yml is a valid Prometheus config', (t) => {
  const skip = promtoolSkipReason();
  if (skip !== false) {
    t.skip(skip);
    return;
  }
  const path = fileURLToPath(new URL('../../docs/prometheus/prometheus.yml', import.meta.url));
  const checked = checkConfig(path);
  assert.ok(checked.ok, checked.output);
});

test('Prometheus accepts the discovery document (same format as file_sd)', async (t) => {
  const skip = promtoolSkipReason();
  if (skip !== false) {
    t.skip(skip);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'aes-observe-sd-'));
  try {
    const check = async (document: unknown): Promise<{ ok: boolean; output: string }> => {
      await writeFile(join(dir, 'targets.json'), JSON.stringify(document));
      const config = join(dir, 'prometheus.yml');
      await writeFile(
        config,
        'scrape_configs:\n  - job_name: aes\n    file_sd_configs:\n      - files: [targets.json]\n',
      );
      return checkConfig(config, { syntaxOnly: false });
    };
    const good = await check(
      serviceDiscoveryTargets([
        { name: 'n1', metricsUrl: 'http://127.0.0.1:9464/metrics' },
        { name: 'n2', metricsUrl: 'https://[::1]:9465/aes/metrics' },
      ]),
    );
    assert.ok(good.ok, good.output);
    // The check can fail: a malformed document is refused.
    const bad = await check([{ targets: 'x:1', labels: { node: 1 } }]);
    assert.equal(bad.ok, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
