/** The coordination conformance suite against a private etcd (Debian's etcd-server). */
import { randomBytes } from 'node:crypto';
import {
  privateEtcdSkipReason,
  startPrivateEtcd,
  type PrivateEtcd,
} from '../support/private-etcd.js';
import { runCoordinationConformance } from './conformance.js';

const namespace = `aes-test-${process.pid}-${randomBytes(3).toString('hex')}`;
let starting: Promise<PrivateEtcd> | undefined;
const running = (): Promise<PrivateEtcd> => (starting ??= startPrivateEtcd());

runCoordinationConformance(
  {
    name: 'etcd',
    url: async () => `${(await running()).url}?namespace=${namespace}`,
    dropLease: async (key) => {
      // As an operator would: delete the lease's key while its etcd lease lives on.
      const { Etcd3 } = await import('etcd3');
      const client = new Etcd3({ hosts: `http://127.0.0.1:${(await running()).port}` });
      try {
        await client.namespace(`${namespace}/`).delete().key(`lease/${key}`);
      } finally {
        client.close();
      }
    },
    close: async () => {
      if (starting !== undefined) await (await starting).close();
    },
  },
  privateEtcdSkipReason(),
);
