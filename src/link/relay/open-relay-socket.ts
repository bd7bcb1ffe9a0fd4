// A forwarding thread's socket on the data plane chosen for it (native-data-plane.ts), and the
// plane's alarm for held frames.
import { batchRelaySocket } from './batch-relay-socket.ts';
import { dgramRelaySocket } from './dgram-relay-socket.ts';
import { loadBatchUdp } from './native-data-plane.ts';
import type { DataPlaneName, RelaySocket, RelaySocketOptions } from './relay-socket.ts';
import type { AlarmFactory } from './timer-queue.ts';

export function openRelaySocket(plane: DataPlaneName, o: RelaySocketOptions): RelaySocket {
  if (plane === 'node') return dgramRelaySocket(o);
  const addon = loadBatchUdp();
  // The main thread chose `native` only after loading it; a thread that cannot is a broken install.
  if (typeof addon === 'string') throw new Error(`linkd: the native data plane is ${addon}`);
  return batchRelaySocket(addon, o);
}

/**
 * The native plane's alarm (a timerfd, to the microsecond, sleeping until then); undefined on
 * Node's plane, whose queues poll their last stretch instead (timer-queue.ts), and where the
 * main thread's choice says not (SOCKLAB_TIMERFD=off: bench:link compares the two).
 */
export function openAlarms(plane: DataPlaneName, timerfd = true): AlarmFactory | undefined {
  if (plane === 'node' || !timerfd) return undefined;
  const addon = loadBatchUdp();
  if (typeof addon === 'string' || typeof addon.alarmOpen !== 'function') return undefined;
  return (fire) => {
    const handle = addon.alarmOpen(fire);
    if (typeof handle === 'number') throw new Error(`linkd: timerfd_create failed (errno ${-handle})`);
    return {
      arm: (delayMs) => addon.alarmArm(handle, delayMs),
      stop: () => addon.alarmStop(handle),
      close: () => addon.alarmClose(handle),
    };
  };
}
