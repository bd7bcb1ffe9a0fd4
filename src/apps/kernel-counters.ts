// The kernel's own protocol counters (/proc/net/snmp) of this host's network namespace: TCP
// retransmissions and timeouts, UDP checksum and receive-buffer errors. What the lab shows as
// evidence that TCP paid for reliability and that corrupted datagrams were caught.
import { readFileSync } from 'node:fs';

export type KernelCounters = Record<string, number>;

/** Parses /proc/net/snmp's pairs of header and value lines into `Group.Name` keys. */
export function parseSnmp(text: string): KernelCounters {
  const out: KernelCounters = {};
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const keys = lines[i]!.trim().split(/\s+/);
    const values = lines[i + 1]!.trim().split(/\s+/);
    const group = keys[0]?.replace(/:$/, '');
    if (!group || values[0] !== keys[0]) continue;
    for (let k = 1; k < keys.length; k++) out[`${group}.${keys[k]}`] = Number(values[k]);
  }
  return out;
}

export function readKernelCounters(path = '/proc/net/snmp'): KernelCounters {
  return parseSnmp(readFileSync(path, 'utf8'));
}

/** after − before for each counter. */
export function counterDelta(before: KernelCounters, after: KernelCounters): KernelCounters {
  return Object.fromEntries(Object.keys(after).map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}
