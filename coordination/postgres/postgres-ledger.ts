/**
 * The claims ledger on PostgreSQL (`Coordinator.claim`, `complete`, `unclaim`, `trimLedger`):
 * `aes_ledger(ledger, id, holder_key, token, completed, at)`, one row per id. Every statement is
 * fenced as the other writes are (the fence's lease row, current, locked `FOR SHARE`). A claim of
 * several ids is one statement: insert each id, or take its row over *where it is not completed,
 * not ours, and its claimant's lease is no longer current* — the row lock of `ON CONFLICT DO
 * UPDATE` decides each id atomically; `xmax = 0` tells a fresh row from one taken over. Ids it
 * did not decide are read apart (completed, ours already, or held by a current lease).
 */

/** The table and its index, created with the coordinator's other tables. */
export function ledgerDdl(s: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${s}.aes_ledger (
       ledger text NOT NULL,
       id text NOT NULL,
       holder_key text NOT NULL,
       token bigint NOT NULL,
       completed boolean NOT NULL,
       at timestamptz NOT NULL DEFAULT now(),
       PRIMARY KEY (ledger, id))`,
    `CREATE INDEX IF NOT EXISTS aes_ledger_age ON ${s}.aes_ledger (ledger, at)`,
  ];
}

/**
 * The statements. Fenced ones take `$1` the fence's key, `$2` its token, `$3` the ledger, `$4`
 * the ids (or the count bound), and answer one row: `fenced` (1 when the fence was current) and
 * what they decided or changed.
 */
export class LedgerSql {
  readonly claim: string;
  readonly read: string;
  readonly complete: string;
  readonly unclaim: string;
  readonly giveUp: string;
  readonly trim: string;
  /** Every entry of ledger `$1`: id and whether it is completed (no fence: a read). */
  readonly entries: string;

  constructor(s: string) {
    const lease = `lease AS (
        SELECT token FROM ${s}.aes_lease
        WHERE key = $1 AND token = $2::bigint AND expires_at > now()
        FOR SHARE)`;
    const live = (row: string) =>
      `EXISTS (SELECT 1 FROM ${s}.aes_lease x
               WHERE x.key = ${row}.holder_key AND x.token = ${row}.token AND x.expires_at > now())`;
    const answer = (cte: string) =>
      `SELECT (SELECT count(*) FROM lease) AS fenced, (SELECT count(*) FROM ${cte}) AS changed`;
    this.claim = `
      WITH ${lease},
      decided AS (
        INSERT INTO ${s}.aes_ledger AS e (ledger, id, holder_key, token, completed, at)
          SELECT $3, i, $1, $2::bigint, false, now() FROM lease, unnest($4::text[]) AS i
        ON CONFLICT (ledger, id) DO UPDATE
          SET holder_key = EXCLUDED.holder_key, token = EXCLUDED.token, at = now()
          WHERE NOT e.completed
            AND NOT (e.holder_key = EXCLUDED.holder_key AND e.token = EXCLUDED.token)
            AND NOT ${live('e')}
        RETURNING e.id, (e.xmax = 0) AS fresh)
      SELECT (SELECT count(*) FROM lease) AS fenced,
             coalesce((SELECT json_agg(json_build_array(id, fresh)) FROM decided), '[]') AS decided`;
    this.read = `
      SELECT e.id, e.completed, e.holder_key, e.token::text AS token, ${live('e')} AS live
      FROM ${s}.aes_ledger e WHERE e.ledger = $1 AND e.id = ANY($2::text[])`;
    this.complete = `
      WITH ${lease},
      done AS (
        INSERT INTO ${s}.aes_ledger AS e (ledger, id, holder_key, token, completed, at)
          SELECT $3, i, $1, $2::bigint, true, now() FROM lease, unnest($4::text[]) AS i
        ON CONFLICT (ledger, id) DO UPDATE
          SET completed = true, holder_key = EXCLUDED.holder_key, token = EXCLUDED.token,
              at = now()
        RETURNING 1)
      ${answer('done')}`;
    const ours = `e.ledger = $3 AND e.id = ANY($4::text[]) AND e.holder_key = $1
                  AND e.token = $2::bigint AND NOT e.completed`;
    this.unclaim = `
      WITH ${lease},
      gone AS (DELETE FROM ${s}.aes_ledger e USING lease WHERE ${ours} RETURNING 1)
      ${answer('gone')}`;
    this.giveUp = `
      WITH ${lease},
      gone AS (
        UPDATE ${s}.aes_ledger e SET holder_key = '', token = 0, at = now()
        FROM lease WHERE ${ours} RETURNING 1)
      ${answer('gone')}`;
    this.entries = `SELECT id, completed FROM ${s}.aes_ledger WHERE ledger = $1`;
    this.trim = `
      WITH ${lease},
      doomed AS (
        SELECT id FROM ${s}.aes_ledger
        WHERE ledger = $3 AND at < now() - $5::bigint * interval '1 millisecond'
        UNION
        (SELECT id FROM ${s}.aes_ledger WHERE ledger = $3 AND completed
         ORDER BY at DESC, id DESC OFFSET $4)),
      dropped AS (
        DELETE FROM ${s}.aes_ledger AS e USING lease
        WHERE e.ledger = $3 AND e.id IN (SELECT id FROM doomed)
        RETURNING 1)
      ${answer('dropped')}`;
  }
}
