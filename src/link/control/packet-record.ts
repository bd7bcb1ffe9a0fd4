// The fate of every frame the relay saw, as linkd's control hands it out: what the applications'
// view is checked against (which sequence numbers were dropped, and why). The relay keeps these in
// a shared ring of typed arrays (relay/record-ring.ts) and formats them only when someone reads.
import type { Direction } from '../model/impairment-model.ts';
import type { Fate } from '../relay/direction-shaper.ts';
import type { InnerProtocol } from '../relay/vxlan-frame.ts';

/** How many bytes of each frame's transport payload are kept (what a sequence diagram shows). */
export const HEAD_BYTES = 32;

export interface PacketRecord {
  /** Running number, from 1; survives the ring wrapping, so readers can ask for what is new. */
  n: number;
  /** Arrival, ms since the relay started. */
  t: number;
  dir: Direction;
  /** Whose path the frame took: the client's name (`client`, `client2`, ...). */
  client: string;
  proto: InnerProtocol;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  /** Inner frame length in bytes. */
  len: number;
  /** Transport payload length (UDP or TCP data; 0 for a bare TCP ACK). */
  plen: number;
  /** TCP flags (FIN 1, SYN 2, RST 4, PSH 8, ACK 16); 0 for other protocols. */
  flags: number;
  /** See vxlan-frame.ts fingerprint(): an application can compute it from its own bytes. */
  fp: string;
  /** Sequence number of a socklab probe message, or -1. */
  seq: number;
  fate: Fate;
  duplicated: boolean;
  corrupted: boolean;
  reordered: boolean;
  /** Arrival to the departure the model decided for the first copy, ms (0 when dropped). */
  delayMs: number;
  /** Arrival to the first copy's real departure, ms, by the relay's clock; -1 while not sent or when dropped. */
  outMs: number;
  /** The event rule that decided the frame (`drop tcp syn-ack #1`); absent when none did. */
  rule?: string;
  /** The payload's first bytes, base64 (only when asked for: `read(..., { head: true })`). */
  head?: string;
}
