/**
 * Coordinators on the machine's PostgreSQL in a schema of one test file's own, closed and the
 * schema dropped after the file's tests; `skip` says why they cannot run (PostgreSQL absent).
 */
import { after } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openCoordinator, type Coordinator } from '../../../coordination/index.js';
import { serviceSkipReason } from '../../support/services.js';

const BASE_URL = process.env.AES_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface PostgresNamespace {
  /** The skip reason, when PostgreSQL is not there (`undefined`: run). */
  readonly skip: string | undefined;
  /** A new coordinator in the file's schema. */
  coordinator: () => Promise<Coordinator>;
}

export async function postgresNamespace(name: string): Promise<PostgresNamespace> {
  const schema = `aes_test_${name}_${process.pid}_${randomBytes(3).toString('hex')}`;
  const skip = await serviceSkipReason('PostgreSQL', '127.0.0.1', 5432);
  const opened: Coordinator[] = [];
  after(async () => {
    await Promise.allSettled(opened.map((c) => c.close()));
    if (skip !== undefined) return;
    const client = new pg.Client({ connectionString: BASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });
  return {
    skip,
    coordinator: async () => {
      const c = await openCoordinator(`${BASE_URL}?namespace=${schema}`);
      opened.push(c);
      return c;
    },
  };
}
