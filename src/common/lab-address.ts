// The lab0 addresses of the end hosts: the IPv4 address in the lab subnet, and a MAC derived from
// it, so that linkd knows each peer's own inner source without asking (a frame that claims another
// is forged: dropped and counted). docker/entrypoint.sh derives the same MAC in shell (lab_mac).

/** 02:53:4c (locally administered, "SL") and the address's last three bytes: 198.19.0.2 → 02:53:4c:13:00:02. */
export function labMac(ip: string): string {
  const b = ip.split('.').map(Number);
  return ['02', '53', '4c', ...b.slice(1).map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** An IPv4 address as the 32-bit number the relay compares. */
export const ipv4Number = (ip: string): number =>
  ip.split('.').reduce((n, x) => ((n << 8) | Number(x)) >>> 0, 0);

/** The 32-bit number back as text: 0xc6130001 → 198.19.0.1. */
export const ipv4Text = (n: number): string =>
  `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/** A MAC's six bytes. */
export const macBytes = (mac: string): Buffer =>
  Buffer.from(mac.split(':').map((x) => Number.parseInt(x, 16)));
