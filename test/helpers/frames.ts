import { parseVxlan, probeSeq } from '../../src/link/relay/vxlan-frame.ts';

/** The probe sequence number a VXLAN frame carries, or -1. */
export function replySeqFromFrame(frame: Buffer): number {
  const info = parseVxlan(frame);
  return info ? probeSeq(frame, info) : -1;
}
