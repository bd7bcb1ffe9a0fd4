// The end hosts' own counters (/proc/net/snmp and /proc/net/netstat of each network namespace),
// narrowed to what the experiments use as evidence: TCP retransmissions and timeouts, and what
// the receivers' checksums caught.
import type { KernelCounters } from '../apps/kernel-counters.ts';

export const EVIDENCE_COUNTERS = [
  'Tcp.OutSegs',
  'Tcp.InSegs',
  'Tcp.RetransSegs',
  'TcpExt.TCPTimeouts',
  'Tcp.InErrs',
  'Tcp.InCsumErrors',
  'Udp.InDatagrams',
  'Udp.OutDatagrams',
  'Udp.InErrors',
  'Udp.InCsumErrors',
  'Udp.RcvbufErrors',
  'Ip.InHdrErrors',
] as const;
export type EvidenceCounter = (typeof EVIDENCE_COUNTERS)[number];
export type CounterDelta = Record<EvidenceCounter, number>;

export function evidenceDelta(before: KernelCounters, after: KernelCounters): CounterDelta {
  return Object.fromEntries(
    EVIDENCE_COUNTERS.map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]),
  ) as CounterDelta;
}

/** Frames the host's stack threw away for a bad checksum or header, at whichever layer caught them. */
export function caughtCorrupt(d: CounterDelta): number {
  return d['Ip.InHdrErrors'] + d['Udp.InErrors'] - d['Udp.RcvbufErrors'] + d['Tcp.InErrs'];
}
