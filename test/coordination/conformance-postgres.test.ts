/**
 * The coordination conformance suite against the machine's PostgreSQL (127.0.0.1:5432, database
 * `test`), in a schema of this run's own, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serviceSkipReason } from '../support/services.js';
import { runCoordinationConformance } from './conformance.js';

const BASE_URL = process.env.AES_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `aes_test_${process.pid}_${randomBytes(3).toString('hex')}`;

async function sql(text: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: BASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

runCoordinationConformance(
  {
    name: 'postgres',
    url: () => Promise.resolve(`${BASE_URL}?namespace=${schema}`),
    // As an operator would: delete the lease's row behind its holder's back.
    dropLease: (key) => sql(`DELETE FROM ${schema}.aes_lease WHERE key = $1`, [key]),
    close: () => sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  },
  await serviceSkipReason('PostgreSQL', '127.0.0.1', 5432),
);
