// The kernel counts, per UDP socket, datagrams it dropped because the receive buffer was full
// (the last column of /proc/net/udp). A relay that drops on its own would corrupt every
// measurement silently, so linkd watches this and reports it.
import { readFileSync } from 'node:fs';

export function udpSocketDrops(localPort: number): number | null {
  const hexPort = localPort.toString(16).toUpperCase().padStart(4, '0');
  let total: number | null = null;
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 13 || !cols[1]!.endsWith(`:${hexPort}`)) continue;
      total = (total ?? 0) + Number(cols[cols.length - 1]);
    }
  }
  return total;
}
