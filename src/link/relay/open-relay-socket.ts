// A forwarding thread's socket on the data plane chosen for it (native-data-plane.ts).
import { batchRelaySocket } from './batch-relay-socket.ts';
import { dgramRelaySocket } from './dgram-relay-socket.ts';
import { loadBatchUdp } from './native-data-plane.ts';
import type { DataPlaneName, RelaySocket, RelaySocketOptions } from './relay-socket.ts';

export function openRelaySocket(plane: DataPlaneName, o: RelaySocketOptions): RelaySocket {
  if (plane === 'node') return dgramRelaySocket(o);
  const addon = loadBatchUdp();
  // The main thread chose `native` only after loading it; a thread that cannot is a broken install.
  if (typeof addon === 'string') throw new Error(`linkd: the native data plane is ${addon}`);
  return batchRelaySocket(addon, o);
}
