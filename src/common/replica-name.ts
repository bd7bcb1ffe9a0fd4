// A scaled Compose service's replicas are told apart by their containers' names, which Docker's
// DNS gives for their addresses: `lab-client-2` (Compose v2) or `lab_client_2` (v1) is replica 2.
// linkd reads every client's this way; a client container reads its own (apps/own-replica.ts).

/** The replica number in a container's name: `lab-client-2.net` → 2; null when it is not one of `service`'s. */
export function replicaNumber(name: string, service: string): number | null {
  const host = name.split('.')[0]!;
  const m = /[-_](\d+)$/.exec(host);
  if (!m) return null;
  const stem = host.slice(0, m.index);
  return stem.endsWith(`-${service}`) || stem.endsWith(`_${service}`) ? Number(m[1]) : null;
}
