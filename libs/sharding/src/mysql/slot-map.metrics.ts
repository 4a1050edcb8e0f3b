import { Gauge, type Registry } from 'prom-client';
import type { SlotMapWatcher } from '../slot-map-watcher';

/**
 * `shardline_slot_map_version`: the slot-map version this process routes with (docs/adr/0008).
 * Every process should reach the control database's version within SHARDLINE_SLOT_MAP_POLL_MS;
 * a slot move's cleanup waits until all of them report it.
 */
export function registerSlotMapMetrics(registry: Registry, watcher: SlotMapWatcher): void {
  new Gauge({
    name: 'shardline_slot_map_version',
    help: 'Version of the slot map this process routes with (the control database bumps it on every change)',
    registers: [registry],
    collect() {
      this.set(watcher.version);
    },
  });
}
