/** Text and JSON forms of dead letters for the CLI. */
import type { DeadLetter } from './dead-letter-message.js';
import type { DeadLetterList } from './dead-letters.js';
import type { TableStyle } from '../table-style.js';

/** A dead letter as JSON: the body as UTF-8 text when it is, else base64. */
export function deadLetterJson(letter: DeadLetter, withBody: boolean): Record<string, unknown> {
  const json: Record<string, unknown> = {
    messageId: letter.messageId,
    deadLetterQueue: letter.deadLetterQueue,
    originalDestination: letter.originalDestination ?? null,
    endpoint: letter.endpoint ?? null,
    reason: letter.reason ?? null,
    deliveryCount: letter.deliveryCount ?? null,
    deadLetteredAt: letter.deadLetteredAt ?? null,
  };
  if (withBody) {
    json.headers = letter.headers;
    const text = letter.body.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(letter.body)) json.body = text;
    else json.bodyBase64 = letter.body.toString('base64');
  }
  return json;
}

/** The list as JSON: queues browsed, letters (without bodies), truncated queues. */
export function deadLetterListJson(list: DeadLetterList): Record<string, unknown> {
  return {
    queues: list.queues,
    letters: list.letters.map((l) => deadLetterJson(l, false)),
    truncated: list.truncated,
    via: list.via,
  };
}

/** One table per dead-letter queue browsed; `style` marks each table's header row. */
export function formatDeadLetterList(list: DeadLetterList, style: TableStyle = {}): string {
  const lines: string[] = [];
  for (const queue of list.queues) {
    const letters = list.letters.filter((l) => l.deadLetterQueue === queue);
    const more = list.truncated.includes(queue) ? ' (only the first ones read)' : '';
    lines.push(`${queue}: ${letters.length} dead letter${letters.length === 1 ? '' : 's'}${more}`);
    if (letters.length === 0) continue;
    const rows = [
      ['MESSAGE ID', 'FROM', 'ENDPOINT', 'DELIVERIES', 'DEAD-LETTERED AT', 'REASON'],
      ...letters.map((l) => [
        l.messageId,
        l.originalDestination ?? '-',
        l.endpoint ?? '-',
        l.deliveryCount === undefined ? '-' : String(l.deliveryCount),
        l.deadLetteredAt ?? '-',
        l.reason ?? '-',
      ]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    rows.forEach((row, r) => {
      const text = row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ');
      lines.push(`  ${r === 0 ? (style.heading?.(text) ?? text) : text}`);
    });
  }
  return lines.join('\n');
}

/** One dead letter: its fields, every header, then its body. */
export function formatDeadLetter(letter: DeadLetter): string {
  const fields: readonly (readonly [string, string | number | undefined])[] = [
    ['messageId', letter.messageId],
    ['deadLetterQueue', letter.deadLetterQueue],
    ['originalDestination', letter.originalDestination],
    ['endpoint', letter.endpoint],
    ['reason', letter.reason],
    ['deliveryCount', letter.deliveryCount],
    ['deadLetteredAt', letter.deadLetteredAt],
  ];
  const lines = fields.map(([k, v]) => `${k}: ${v === undefined ? '-' : String(v)}`);
  lines.push('headers:');
  for (const [name, value] of Object.entries(letter.headers).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    lines.push(`  ${name}: ${value}`);
  }
  lines.push('body:', letter.body.toString('utf8'));
  return lines.join('\n');
}
