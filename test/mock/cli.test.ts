/** `aes mock` as a real process: starts, prints its URLs, answers, closes on SIGTERM; a bad script exits non-zero. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { FIXTURES, SOURCE_WSDL, TARGET_WSDL } from './support.js';

const ENTRY = fileURLToPath(new URL('../../cli/run.ts', import.meta.url));

describe('aes mock (CLI)', () => {
  it('prints the URLs, answers a call, exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        ENTRY,
        'mock',
        '--wsdl',
        TARGET_WSDL,
        '--port',
        '0',
        '--script',
        path.join(FIXTURES, 'target-script.json'),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const lines = createInterface({ input: child.stdout });
      const printed: string[] = [];
      for await (const line of lines) {
        printed.push(line);
        if (line.trimStart().startsWith('state:')) break;
      }
      const text = printed.join('\n');
      assert.match(text, /^aes mock: serving .*target-system\.wsdl at http:\/\/127\.0\.0\.1:\d+$/m);
      assert.match(
        text,
        /TargetService\/TargetPort \(SOAP 1\.1, 1 operations\): http:\/\/127\.0\.0\.1:\d+\/TargetService\/TargetPort/,
      );
      const url = /: (http:\/\/\S+\/TargetService\/TargetPort)$/m.exec(text)?.[1];
      const wsdl = /WSDL: (\S+)$/m.exec(text)?.[1];
      const state = /state: (\S+)$/m.exec(text)?.[1];
      assert.ok(url !== undefined && wsdl !== undefined && state !== undefined, text);
      const served = await fetch(wsdl, { signal: AbortSignal.timeout(10_000) });
      assert.match(await served.text(), new RegExp(`location="${url}"`));
      const put = async (): Promise<{ status: number; body: string }> => {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'text/xml; charset=utf-8',
            soapaction: '"urn:aes:example:target#Put"',
          },
          body: '<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><t:Put xmlns:t="urn:aes:example:target"><t:messageId>ob:9</t:messageId><t:record>{"n":9}</t:record></t:Put></s:Body></s:Envelope>',
          signal: AbortSignal.timeout(10_000),
        });
        return { status: res.status, body: await res.text() };
      };
      const failed = await put();
      assert.equal(failed.status, 500);
      assert.match(failed.body, /<faultstring>target busy<\/faultstring>/);
      const ok = await put();
      assert.equal(ok.status, 200);
      assert.match(ok.body, /<(\w+:)?stored>true<\/(\w+:)?stored>/);
      const st = (await (await fetch(state, { signal: AbortSignal.timeout(10_000) })).json()) as {
        put: { ids: string[]; failed: number };
      };
      assert.deepEqual(st.put.ids, ['ob:9']);
      assert.equal(st.put.failed, 1);
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, stderr);
      assert.match(stderr, /SIGTERM, closing/);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits non-zero with a clear error for a bad script', () => {
    const r = runCli([
      'mock',
      '--wsdl',
      SOURCE_WSDL,
      '--script',
      path.join(FIXTURES, 'target-script.json'),
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /\[MOCK_SCRIPT_INVALID\].*target-script\.json: \$\.put\.operation: operation 'Put' is not in the WSDL \(it has: Build, Pop, Popped\)/,
    );
    assert.equal(r.stdout, '');
  });

  it('exits 2 for an unknown --service', () => {
    const r = runCli(['mock', '--wsdl', SOURCE_WSDL, '--service', 'Nope']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\[MOCK_USAGE\]: no service 'Nope'/);
  });
});
