/**
 * Opens an inbound endpoint's delivery records where they belong: in its data folder (put marks
 * in slot files, de-duplication in LMDB), or — placed by lease — in the coordination engine,
 * fenced by the lease, so that they follow the endpoint to the node that takes it over — or, in
 * `shared` mode, the claims ledger its instances on several nodes share. An endpoint switched
 * between the two modes (stopped cluster-wide, its config changed, started) carries what it did
 * in the other one: its set and marks are read by its shared instances (shared-records.ts), its
 * claims ledger by its single owner (below).
 */
import type { Clock } from '../clock.js';
import { DeliveredStore } from './delivered-store.js';
import { DeliveryRecords, type DeliveryRecordsHooks } from './delivery-records.js';
import { EngineDelivered } from './engine-delivered.js';
import type { EndpointFence } from './engine-fence.js';
import { EngineMarks } from './engine-marks.js';
import type { InboundRecords } from './inbound-records.js';
import { PutMarks } from './put-marks.js';
import { SharedRecords } from './shared-records.js';

export interface DeliveryRecordsPlace {
  readonly dataDir: string;
  /** Placed by lease: the engine and the lease. */
  readonly fence: EndpointFence | undefined;
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  readonly clock: Clock;
}

export async function openDeliveryRecords(
  place: DeliveryRecordsPlace,
  hooks: DeliveryRecordsHooks,
): Promise<InboundRecords> {
  const { fence, maxEntries, maxAgeMs } = place;
  const ledger = fence?.ledger;
  if (fence !== undefined && ledger !== undefined) {
    return SharedRecords.open(
      { ...fence, ledger },
      { maxEntries, maxAgeMs, clock: place.clock },
      hooks,
    );
  }
  if (fence !== undefined) {
    const delivered = await EngineDelivered.open(fence, { maxEntries, maxAgeMs });
    // An endpoint that ran in `shared` mode before keeps what its instances did in the claims
    // ledger under its own key: the ids completed there are added to its set (once: those not
    // there yet), the ids claimed and not completed are looked up before a put, as its own
    // marks' are.
    const ledger = await fence.store.ledgerEntries(fence.key);
    const marks = await EngineMarks.open(fence, {
      delivered: ledger.completed.filter((id) => !delivered.has(id)),
      left: ledger.open,
    });
    return DeliveryRecords.open(
      delivered,
      marks,
      hooks,
      // One engine round trip either way: the set's add, rather than the marks' put and the add.
      { recordInStore: true },
    );
  }
  const store = DeliveredStore.open(place.dataDir, { maxEntries, maxAgeMs, clock: place.clock });
  try {
    return await DeliveryRecords.open(store, await PutMarks.open(place.dataDir), hooks);
  } catch (err) {
    await store.close();
    throw err;
  }
}
