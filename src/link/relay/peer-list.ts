// linkd's peers as its command line gives them: each client, then the server, last; a scaled
// Compose service (one name, several replicas) stands for all the clients.
import { SocklabError } from '../../common/errors.ts';
import type { PeerSpec } from './link-relay.ts';

/**
 * The peers as given (each client, then the server), with a scaled client service expanded: one
 * client --peer and --clients N > 1 make that name's N replicas the clients.
 */
export function expandPeers(given: PeerSpec[], clients: number | undefined): PeerSpec[] {
  if (given.length < 2)
    throw new SocklabError(
      'usage.invalid',
      `needs at least two --peer options (each client, then the server), got ${given.length}; e.g. --peer client --peer server`,
    );
  const named = given.length - 1;
  if (clients === undefined || clients === named) return given;
  if (named === 1)
    return [...Array.from({ length: clients }, (_, i) => ({ ...given[0]!, replica: i + 1 })), given.at(-1)!];
  throw new SocklabError(
    'usage.invalid',
    `--clients ${clients} does not match the ${named} client peers given: give one --peer per client, or one scaled name; e.g. --clients 3 --peer client --peer server`,
  );
}

/** The clients as linkd's first line says them. */
export function describePeers(peers: PeerSpec[]): string {
  const clients = peers.slice(0, -1);
  if (clients.length === 1) return clients[0]!.host;
  if (clients.every((p) => p.replica !== undefined))
    return `${clients.length} replicas of ${clients[0]!.host}`;
  return clients.map((p) => p.host).join(', ');
}
