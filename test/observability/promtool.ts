/**
 * `promtool` (Debian's `prometheus` package) for the tests: checks exposition text and configs.
 * Absent locally, the tests that need it skip and say why; under CI (`CI` set) its absence fails.
 */
import { spawnSync } from 'node:child_process';

function found(): boolean {
  const r = spawnSync('promtool', ['--version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** Why a promtool test must skip, or false when promtool is here. Throws under CI. */
export function promtoolSkipReason(): string | false {
  if (found()) return false;
  const reason = 'promtool not found (apt-get install -y prometheus)';
  if (process.env['CI'] !== undefined) throw new Error(`${reason}: required under CI`);
  console.log(`# skipped: ${reason}`);
  return reason;
}

/**
 * Runs `promtool check metrics` on `text`: `ok` only when it parses and lints clean; `findings`
 * lists the lint lines (prom-client's own nodejs_* gauges end in `_total`, which promtool flags,
 * so callers check that no finding concerns an aes metric).
 */
export function checkMetrics(text: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], {
    input: text,
    encoding: 'utf8',
    timeout: 30_000,
  });
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0, output };
}

/** Asserts `text` parses, and that promtool's lint has nothing to say about any aes metric. */
export function assertPromtoolClean(text: string): void {
  const { ok, output } = checkMetrics(text);
  if (ok) return;
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const bad = lines.filter((l) => !/^(process|nodejs)_[a-z_]+ /.test(l));
  if (bad.length > 0) throw new Error(`promtool check metrics:\n${output}`);
}

/**
 * Runs `promtool check config <file>`; with `syntaxOnly` false it also reads the files the
 * config refers to (file_sd target files).
 */
export function checkConfig(
  path: string,
  options: { syntaxOnly?: boolean } = {},
): { ok: boolean; output: string } {
  const syntax = (options.syntaxOnly ?? true) ? ['--syntax-only'] : [];
  const r = spawnSync('promtool', ['check', 'config', ...syntax, path], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}
