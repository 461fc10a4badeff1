/**
 * The `Coordinator` on PostgreSQL, through node-postgres (`pg`), loaded only when a
 * `postgres://` URL is opened.
 *
 * In the namespace's schema (`aes` by default, created on open):
 * - `aes_lease(key, holder, token, expires_at)`: one row per key, never deleted by aes. Acquiring
 *   is one conditional upsert: insert the row, or take it over *where `expires_at <= now()`*; the
 *   new token is drawn from the sequence `aes_lease_token` in that same statement, so a later
 *   lease has a larger token than every earlier one (a sequence never goes back, not even when
 *   rows are deleted by hand). Renewing sets `expires_at = now() + ttl` *where* the row still has
 *   our token and has not expired; releasing sets it to `-infinity` where it has our token.
 * - Expiry is the database's: every comparison is with `now()`, the server's clock; the client
 *   only sends the ttl. Nothing compares two machines' clocks.
 * - `aes_fenced_value(key, value, token)`: a fenced write is one statement that locks the lease
 *   row `FOR SHARE` *where it has this token and has not expired*, and upserts the value only if
 *   that row was found. A takeover (an `UPDATE` of that row) waits for the write to commit, or
 *   the write re-checks the row after the takeover and finds another token: never both.
 * - `aes_fenced_member(key, member, added_at)`: fenced sets, written and trimmed the same way;
 *   a member's age is the database's `now()` when it was added.
 * - `aes_ledger`: the claims ledgers, fenced the same way (postgres-ledger.ts).
 *
 * No advisory lock holds a lease: a session-level advisory lock belongs to a connection, and a
 * pooled connection outlives the code that took the lock (it would be held on by whoever reuses
 * it, or lost with a connection nobody noticed dropping). One transaction-level advisory lock
 * serialises creating the schema, so that nodes starting together do not race on
 * `CREATE … IF NOT EXISTS`.
 */
import type { Pool } from 'pg';
import { LedgerSql, ledgerDdl } from './postgres-ledger.js';
import type {
  ClaimOutcome,
  Coordinator,
  Fence,
  FencedValue,
  FencingToken,
  LeaseInfo,
  LedgerEntries,
  SetBounds,
} from '../coordinator.js';
import {
  CoordinatorBase,
  type EngineCalls,
  type Granted,
  type ResolvedCoordinatorOptions,
} from '../coordinator-base.js';
import {
  CoordinationError,
  CoordinationUnavailableError,
  CoordinationUrlError,
  StaleTokenError,
} from '../errors.js';

/** Connections per coordinator: a lease holder needs few, and a database has a limit. */
const POOL_SIZE = 4;
/** Schema names are written into SQL: plain identifiers only. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openPostgresCoordinator(
  url: string,
  redacted: string,
  options: ResolvedCoordinatorOptions,
): Promise<Coordinator> {
  const schema = options.namespace;
  if (!SCHEMA_PATTERN.test(schema)) {
    throw new CoordinationUrlError(
      'COORDINATION_BAD_URL',
      `${redacted}: namespace '${schema}' is not a plain PostgreSQL schema name ([a-z_][a-z0-9_]*)`,
    );
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // node-postgres's own deadline, so a query we stopped waiting for frees its connection.
    query_timeout: options.operationTimeoutMs,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
  });
  // An idle connection the server dropped: the pool discards it; the next query opens another.
  pool.on('error', () => {});
  const sql = new SchemaSql(schema);
  try {
    await createSchema(pool, schema, options.connectTimeoutMs);
  } catch (err) {
    await pool.end().catch(() => {});
    throw err instanceof CoordinationError
      ? err
      : new CoordinationUnavailableError(redacted, `create schema '${schema}'`, { cause: err });
  }
  const calls = new PostgresCalls(pool, sql, new LedgerSql(schema), redacted);
  return new CoordinatorBase('postgres', redacted, calls, options.operationTimeoutMs);
}

async function createSchema(pool: Pool, schema: string, timeoutMs: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query({ text: 'BEGIN' });
    await client.query(`SET LOCAL statement_timeout = ${timeoutMs}`);
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('aes-coordination-schema'))`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE SEQUENCE IF NOT EXISTS ${schema}.aes_lease_token`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.aes_lease (
         key text PRIMARY KEY,
         holder text NOT NULL,
         token bigint NOT NULL,
         expires_at timestamptz NOT NULL)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.aes_fenced_value (
         key text PRIMARY KEY,
         value text NOT NULL,
         token bigint NOT NULL)`,
    );
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.aes_fenced_member (
         key text NOT NULL,
         member text NOT NULL,
         added_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (key, member))`,
    );
    await client.query(
      `CREATE INDEX IF NOT EXISTS aes_fenced_member_age ON ${schema}.aes_fenced_member (key, added_at)`,
    );
    for (const ddl of ledgerDdl(schema)) await client.query(ddl);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** The statements, with the schema written in once. */
class SchemaSql {
  readonly acquire: string;
  readonly renew: string;
  readonly release: string;
  readonly current: string;
  readonly put: string;
  readonly get: string;
  readonly addMembers: string;
  readonly members: string;
  readonly trimMembers: string;

  constructor(s: string) {
    const ttl = `$3::bigint * interval '1 millisecond'`;
    this.acquire = `
      INSERT INTO ${s}.aes_lease AS l (key, holder, token, expires_at)
      VALUES ($1, $2, nextval('${s}.aes_lease_token'), now() + ${ttl})
      ON CONFLICT (key) DO UPDATE
        SET holder = EXCLUDED.holder, token = nextval('${s}.aes_lease_token'),
            expires_at = EXCLUDED.expires_at
        WHERE l.expires_at <= now()
      RETURNING token`;
    this.renew = `
      UPDATE ${s}.aes_lease SET expires_at = now() + ${ttl}
      WHERE key = $1 AND token = $2 AND expires_at > now()
      RETURNING token`;
    this.release = `
      UPDATE ${s}.aes_lease SET expires_at = '-infinity' WHERE key = $1 AND token = $2`;
    this.current = `
      SELECT holder, token FROM ${s}.aes_lease WHERE key = $1 AND expires_at > now()`;
    this.put = `
      WITH lease AS (
        SELECT token FROM ${s}.aes_lease
        WHERE key = $1 AND token = $3 AND expires_at > now()
        FOR SHARE)
      INSERT INTO ${s}.aes_fenced_value AS v (key, value, token)
        SELECT $1, $2, token FROM lease
      ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, token = EXCLUDED.token
      RETURNING token`;
    this.get = `SELECT value, token FROM ${s}.aes_fenced_value WHERE key = $1`;
    // Each answers one row: whether the lease was ours (fenced = 1), and what changed.
    const lease = `lease AS (
        SELECT token FROM ${s}.aes_lease
        WHERE key = $1 AND token = $2 AND expires_at > now()
        FOR SHARE)`;
    this.addMembers = `
      WITH ${lease},
      added AS (
        INSERT INTO ${s}.aes_fenced_member (key, member)
          SELECT $1, m FROM lease, unnest($3::text[]) AS m
        ON CONFLICT (key, member) DO NOTHING
        RETURNING 1)
      SELECT (SELECT count(*) FROM lease) AS fenced, (SELECT count(*) FROM added) AS changed`;
    this.members = `SELECT member FROM ${s}.aes_fenced_member WHERE key = $1`;
    this.trimMembers = `
      WITH ${lease},
      doomed AS (
        SELECT member FROM ${s}.aes_fenced_member
        WHERE key = $1 AND added_at < now() - $4::bigint * interval '1 millisecond'
        UNION
        (SELECT member FROM ${s}.aes_fenced_member WHERE key = $1
         ORDER BY added_at DESC, member DESC OFFSET $3)),
      dropped AS (
        DELETE FROM ${s}.aes_fenced_member AS m USING lease
        WHERE m.key = $1 AND m.member IN (SELECT member FROM doomed)
        RETURNING 1)
      SELECT (SELECT count(*) FROM lease) AS fenced, (SELECT count(*) FROM dropped) AS changed`;
  }
}

interface TokenRow {
  readonly token: string;
}

class PostgresCalls implements EngineCalls {
  constructor(
    private readonly pool: Pool,
    private readonly sql: SchemaSql,
    private readonly ledger: LedgerSql,
    private readonly url: string,
  ) {}

  async tryAcquire(key: string, holder: string, ttlMs: number): Promise<Granted | undefined> {
    const rows = await this.#query<TokenRow>(`acquire '${key}'`, this.sql.acquire, [
      key,
      holder,
      ttlMs,
    ]);
    const row = rows[0];
    if (row === undefined) return undefined;
    const token = BigInt(row.token);
    return {
      token,
      engine: {
        renew: async () => {
          const renewed = await this.#query<TokenRow>(`renew '${key}'`, this.sql.renew, [
            key,
            token.toString(),
            ttlMs,
          ]);
          return renewed.length === 1;
        },
        release: async () => {
          await this.#query(`release '${key}'`, this.sql.release, [key, token.toString()]);
        },
      },
    };
  }

  async holderOf(key: string): Promise<LeaseInfo | undefined> {
    const rows = await this.#query<{ holder: string; token: string }>(
      `holderOf '${key}'`,
      this.sql.current,
      [key],
    );
    const row = rows[0];
    return row === undefined ? undefined : { key, holder: row.holder, token: BigInt(row.token) };
  }

  async put(key: string, value: string, token: FencingToken): Promise<void> {
    const written = await this.#query(`put '${key}'`, this.sql.put, [key, value, token.toString()]);
    if (written.length === 1) return;
    // Read apart from the refused write, only to say in the error who holds the key now.
    const current = await this.holderOf(key).catch(() => undefined);
    throw new StaleTokenError(key, token, current?.token);
  }

  async get(key: string): Promise<FencedValue | undefined> {
    const rows = await this.#query<{ value: string; token: string }>(`get '${key}'`, this.sql.get, [
      key,
    ]);
    const row = rows[0];
    return row === undefined ? undefined : { value: row.value, token: BigInt(row.token) };
  }

  async addMembers(key: string, members: readonly string[], token: FencingToken): Promise<void> {
    await this.#fenced(`addMembers '${key}'`, key, token, this.sql.addMembers, [[...members]]);
  }

  async members(key: string): Promise<string[]> {
    const rows = await this.#query<{ member: string }>(`members '${key}'`, this.sql.members, [key]);
    return rows.map((row) => row.member);
  }

  trimMembers(key: string, bounds: SetBounds, token: FencingToken): Promise<number> {
    return this.#fenced(`trimMembers '${key}'`, key, token, this.sql.trimMembers, [
      bounds.maxEntries,
      bounds.maxAgeMs,
    ]);
  }

  async claim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
  ): Promise<Map<string, ClaimOutcome>> {
    const operation = `claim '${ledger}'`;
    const token = fence.token.toString();
    const rows = await this.#query<{ fenced: string; decided: [string, boolean][] }>(
      operation,
      this.ledger.claim,
      [fence.key, token, ledger, [...ids]],
    );
    if (rows[0]?.fenced !== '1') throw await this.#stale(fence.key, fence.token);
    const outcomes = new Map<string, ClaimOutcome>(
      rows[0].decided.map(([id, fresh]) => [id, fresh ? 'claimed' : 'taken-over']),
    );
    const rest = ids.filter((id) => !outcomes.has(id));
    if (rest.length === 0) return outcomes;
    const found = await this.#query<{
      id: string;
      completed: boolean;
      holder_key: string;
      token: string;
      live: boolean;
    }>(operation, this.ledger.read, [ledger, rest]);
    for (const row of found) {
      const ours = row.holder_key === fence.key && row.token === token;
      outcomes.set(row.id, row.completed ? 'completed' : ours ? 'claimed' : 'held');
    }
    // Dropped or taken over between the two statements: decided by someone else; ask again later.
    for (const id of rest) if (!outcomes.has(id)) outcomes.set(id, 'held');
    return outcomes;
  }

  async complete(ledger: string, ids: readonly string[], fence: Fence): Promise<void> {
    await this.#fenced(`complete '${ledger}'`, fence.key, fence.token, this.ledger.complete, [
      ledger,
      [...ids],
    ]);
  }

  async unclaim(
    ledger: string,
    ids: readonly string[],
    fence: Fence,
    doubtful: boolean,
  ): Promise<void> {
    const text = doubtful ? this.ledger.giveUp : this.ledger.unclaim;
    await this.#fenced(`unclaim '${ledger}'`, fence.key, fence.token, text, [ledger, [...ids]]);
  }

  async ledgerEntries(ledger: string): Promise<LedgerEntries> {
    const rows = await this.#query<{ id: string; completed: boolean }>(
      `ledgerEntries '${ledger}'`,
      this.ledger.entries,
      [ledger],
    );
    return {
      completed: rows.filter((row) => row.completed).map((row) => row.id),
      open: rows.filter((row) => !row.completed).map((row) => row.id),
    };
  }

  trimLedger(ledger: string, bounds: SetBounds, fence: Fence): Promise<number> {
    return this.#fenced(`trimLedger '${ledger}'`, fence.key, fence.token, this.ledger.trim, [
      ledger,
      bounds.maxEntries,
      bounds.maxAgeMs,
    ]);
  }

  async disconnect(): Promise<void> {
    await this.pool.end();
  }

  /** A fenced statement (`$1` the key, `$2` the token): how many rows it changed, or stale. */
  async #fenced(
    operation: string,
    key: string,
    token: FencingToken,
    text: string,
    values: readonly unknown[],
  ): Promise<number> {
    const rows = await this.#query<{ fenced: string; changed: string }>(operation, text, [
      key,
      token.toString(),
      ...values,
    ]);
    if (rows[0]?.fenced === '1') return Number(rows[0].changed);
    throw await this.#stale(key, token);
  }

  /** The refusal of a fenced statement, naming the current token (read apart) when one is. */
  async #stale(key: string, token: FencingToken): Promise<StaleTokenError> {
    const current = await this.holderOf(key).catch(() => undefined);
    return new StaleTokenError(key, token, current?.token);
  }

  /** One statement (its own transaction); errors become `CoordinationUnavailableError`. */
  async #query<Row extends object = object>(
    operation: string,
    text: string,
    values: readonly unknown[],
  ): Promise<Row[]> {
    try {
      return (await this.pool.query<Row & Record<string, unknown>>(text, [...values])).rows;
    } catch (err) {
      throw new CoordinationUnavailableError(this.url, operation, { cause: err });
    }
  }
}
