/**
 * `npm run bench -- codegen [wsdl]`: generates the largest corpus WSDL (Salesforce Metadata, every
 * one of its 2,058 types) and prints wall time and peak RSS beside two baselines measured in the
 * same run: reading the same files with the sax XML reader only, and node-soap's own WSDL load.
 * Each measurement runs in a fresh child process so peak RSS is its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function corpusDir(): string {
  const fromEnv = process.env.AES_WSDL_CORPUS;
  if (fromEnv !== undefined && fromEnv !== '') return path.resolve(fromEnv);
  let dir = path.resolve(ROOT, '..');
  for (;;) {
    const candidate = path.join(dir, 'shared', 'wsdl');
    if (existsSync(path.join(candidate, 'INDEX.md'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(ROOT, '..', 'shared', 'wsdl');
    dir = parent;
  }
}

interface Measured {
  readonly wall_s: number;
  /** User + system CPU time: less sensitive than wall time to a machine shared with others. */
  readonly cpu_s: number;
  readonly peak_rss_mb: number;
  readonly types?: number;
}

async function child(mode: string, wsdl: string): Promise<void> {
  const started = performance.now();
  let types: number | undefined;
  if (mode === 'sax') {
    const { parseXml } = await import('../wsdl/xml.js');
    parseXml(readFileSync(wsdl, 'utf8'), wsdl);
  } else if (mode === 'node-soap') {
    const { createClientAsync } = await import('soap');
    await createClientAsync(wsdl);
  } else {
    const { generate } = await import('../codegen/index.js');
    const out = await mkdtemp(path.join(os.tmpdir(), 'aes-bench-codegen-'));
    try {
      const [summary] = await generate([wsdl], { out });
      types = summary?.types;
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage();
  const result: Measured = {
    wall_s: Number(wall.toFixed(3)),
    cpu_s: Number(((cpu.user + cpu.system) / 1e6).toFixed(3)),
    peak_rss_mb: Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
    ...(types === undefined ? {} : { types }),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measure(mode: string, wsdl: string): Measured {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', mode, wsdl],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (r.status !== 0) throw new Error(`bench child '${mode}' failed: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as Measured;
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  await child(args[1] ?? '', args[2] ?? '');
} else {
  const rel = 'salesforce-metadata-v63/metadata.wsdl';
  const wsdl = args[0] ?? path.join(corpusDir(), rel);
  // A tiny WSDL shows the fixed cost every run pays (tsx, ts-morph and TypeScript loading).
  const empty = measure(
    'sax-none',
    path.join(corpusDir(), 'eu-vies-checkvat/checkVatService.wsdl'),
  );
  const sax = measure('sax', wsdl);
  const nodeSoap = measure('node-soap', wsdl);
  const gen = measure('gen', wsdl);
  const row = (name: string, m: Measured): string =>
    `${name.padEnd(34)} ${m.wall_s.toFixed(3).padStart(8)} s wall ${m.cpu_s.toFixed(3).padStart(8)} s cpu ${m.peak_rss_mb.toFixed(1).padStart(8)} MB peak RSS`;
  console.log(`codegen benchmark: ${wsdl} (load average ${os.loadavg()[0]?.toFixed(1) ?? '?'})`);
  console.log(row('aes gen of a 10 KB WSDL (startup)', empty));
  console.log(row('baseline: sax parse only', sax));
  console.log(row("baseline: node-soap's WSDL load", nodeSoap));
  console.log(row(`aes gen (${gen.types ?? 0} types, written)`, gen));
  console.log(
    `goal: under 2 s and 300 MB -> ${gen.wall_s < 2 && gen.peak_rss_mb < 300 ? 'met' : 'NOT met'}`,
  );
  console.log(
    JSON.stringify({
      suite: 'codegen',
      wsdl: args[0] === undefined ? rel : wsdl,
      types: gen.types ?? 0,
      wall_s: gen.wall_s,
      peak_rss_mb: gen.peak_rss_mb,
    }),
  );
}
