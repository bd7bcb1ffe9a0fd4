// Loading the native data plane (native/batch-udp.c, built by native/build.sh). linkd asks once
// per thread; where it is missing or refuses to load, the answer says why and linkd uses dgram.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../common/data-files.ts';
import type { DataPlaneInfo, DataPlaneName } from './relay-socket.ts';
import { priorityText } from './thread-priority.ts';

/** The addon's functions (native/batch-udp.c says what each does). */
export interface BatchUdpAddon {
  readonly batch: number;
  open(
    receiveBufferBytes: number,
    sendBufferBytes: number,
    reuseAddr: boolean,
    offload: boolean,
  ): object | number;
  bind(handle: object, address: number, port: number): number;
  start(handle: object, onBatch: (bytes: ArrayBuffer, meta: Uint32Array, count: number) => void): void;
  send(handle: object, data: Uint8Array, address: number, port: number): void;
  flush(handle: object, out?: Uint32Array): number;
  close(handle: object): void;
  track(handle: object, counts: Float64Array): void;
  /** 1: UDP GRO is on; 2: UDP_SEGMENT is (until a send is refused it); 3: both. */
  offload(handle: object): number;
  /** A timerfd on this thread's loop (native/alarm.c): a handle, or a negative errno. */
  alarmOpen(onFire: () => void): object | number;
  alarmArm(handle: object, delayMs: number): void;
  alarmStop(handle: object): void;
  alarmClose(handle: object): void;
  /** The calling thread under SCHED_RR at `priority` (native/realtime.c): 0, or a negative errno. */
  realtime?(priority: number): number;
}

/** Whether the native plane asks the kernel for UDP GRO and UDP_SEGMENT: yes unless SOCKLAB_UDP_OFFLOAD=off. */
export const udpOffload = (): boolean => process.env.SOCKLAB_UDP_OFFLOAD !== 'off';

export const NATIVE_ADDON_PATH =
  process.env.SOCKLAB_NATIVE_ADDON ?? join(PACKAGE_ROOT, 'native', 'build', 'batch-udp.node');

let loaded: BatchUdpAddon | string | undefined;

/** The addon, or why it is not there (one line). */
export function loadBatchUdp(): BatchUdpAddon | string {
  if (loaded !== undefined) return loaded;
  if (!existsSync(NATIVE_ADDON_PATH)) {
    loaded = `not built (${NATIVE_ADDON_PATH} is missing: run native/build.sh)`;
    return loaded;
  }
  try {
    loaded = createRequire(import.meta.url)(NATIVE_ADDON_PATH) as BatchUdpAddon;
  } catch (err) {
    loaded = `cannot load ${NATIVE_ADDON_PATH}: ${(err as Error).message.split('\n')[0]}`;
  }
  return loaded;
}

/** What SOCKLAB_DATA_PLANE or --data-plane may ask for. */
export const DATA_PLANE_CHOICES = ['auto', 'native', 'node'] as const;
export type DataPlaneChoice = (typeof DATA_PLANE_CHOICES)[number];

/**
 * The plane a thread uses: `node` when asked; the native one when asked or on `auto` where it
 * loads; Node's dgram otherwise, with the reason. `native` asked for and missing is an error.
 */
export function chooseDataPlane(choice: DataPlaneChoice, offloadAllowed = true): DataPlaneInfo {
  if (choice === 'node') return { name: 'node', batch: 1, why: 'asked for (--data-plane node)' };
  const addon = loadBatchUdp();
  if (typeof addon !== 'string')
    return {
      name: 'native',
      batch: addon.batch,
      offload: offloadAllowed && udpOffload(),
      timerfd: process.env.SOCKLAB_TIMERFD !== 'off',
    };
  if (choice === 'native')
    throw new Error(`--data-plane native: the native data plane is ${addon}; build it or use auto`);
  return { name: 'node', batch: 1, why: `native data plane ${addon}` };
}

export const dataPlaneText = (p: DataPlaneInfo): string =>
  (p.name === 'native'
    ? `native (recvmmsg/sendmmsg, up to ${p.batch} frames a call${p.offload ? '; UDP GRO and GSO where the kernel has them' : ''}${p.timerfd ? '; held frames wake it on a timerfd' : ''})`
    : `node dgram (one frame a call${p.why ? `; ${p.why}` : ''})`) +
  (p.priority ? `; ${priorityText(p.priority)}` : '');

export type { DataPlaneName };
