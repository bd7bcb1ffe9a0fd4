// Which replica of its scaled Compose service this container is (`LAB_CLIENTS=3 docker compose
// up` makes three `client` containers): the number in the container's own name, which Docker's
// DNS gives for the container's address. The entry point makes replica k the lab's client k
// (client, client2, ...). Prints the number; exits 1 with a line when the name is not known yet.
import { Resolver } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { replicaNumber } from '../common/replica-name.ts';

const service = process.argv[2] ?? 'client';
// Not getaddrinfo's reverse lookup: /etc/hosts names every replica after the service's hostname.
const dns = new Resolver({ timeout: 500, tries: 2 });
const own = Object.values(networkInterfaces())
  .flat()
  .filter((a) => a && a.family === 'IPv4' && !a.internal)
  .map((a) => a!.address);
for (const address of own) {
  const ptr = `${address.split('.').reverse().join('.')}.in-addr.arpa`;
  const names = await dns.resolvePtr(ptr).catch(() => [] as string[]);
  const n = names.map((name) => replicaNumber(name, service)).find((x) => x !== null);
  if (n !== undefined && n !== null) {
    process.stdout.write(`${n}\n`);
    process.exit(0);
  }
}
process.stderr.write(`own-replica: no name of a ${service} replica for ${own.join(', ')} yet\n`);
process.exit(1);
