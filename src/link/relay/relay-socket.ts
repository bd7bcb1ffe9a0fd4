// What a forwarding thread needs of a UDP socket, whichever data plane carries its frames: Node's
// dgram (one system call per frame) or the native batched one (native/batch-udp.c). The frames'
// fates are decided above this seam, so both give the same record for the same traffic.
import type { ThreadPriority } from './thread-priority.ts';

/** Where a frame came from (one object, reused: read it in the handler, do not keep it). */
export interface FrameSource {
  address: string;
  port: number;
}

export interface RelaySocket {
  /** Each frame as it arrives; `msg` may be kept (a delayed frame is), `from` may not. */
  onFrame(handler: (msg: Buffer, from: FrameSource) => void): void;
  /** A failed send or a socket error (counted by the caller; the socket goes on). */
  onError(handler: (err: Error) => void): void;
  /** Sends a frame; the batched plane sends it with the others of this turn of the loop. */
  send(data: Uint8Array, port: number, address: string): void;
  /** Binds exclusively; rejects with the bind error (EADDRINUSE, say). */
  bind(port: number, address: string): Promise<void>;
  readonly port: number;
  /** The socket adds its system calls, datagrams and frames (IO_COUNTS' order) into `counts`. */
  track(counts: Float64Array): void;
  close(): void;
}

export interface RelaySocketOptions {
  receiveBufferBytes: number;
  sendBufferBytes: number;
  reuseAddr: boolean;
  /** UDP GRO and UDP_SEGMENT where the kernel has them (the native plane only). */
  offload: boolean;
}

/** Which data plane carries the frames, and why where it is not the one asked for. */
export type DataPlaneName = 'native' | 'node';
export interface DataPlaneInfo {
  name: DataPlaneName;
  /** How many frames a system call takes at most (1 for Node's dgram). */
  batch: number;
  /** The native plane asks the kernel for UDP GRO and UDP_SEGMENT (SOCKLAB_UDP_OFFLOAD=off: not). */
  offload?: boolean;
  /** Held frames wake the thread on a timerfd (native/alarm.c; SOCKLAB_TIMERFD=off: not). */
  timerfd?: boolean;
  /** The forwarding threads' priority, once they run. */
  priority?: ThreadPriority;
  /** Why the native plane is not in use, where it is not. */
  why?: string;
}
