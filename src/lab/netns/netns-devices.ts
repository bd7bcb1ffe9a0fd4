// Building blocks of a namespace lab, as `ip` commands: a namespace with its loopback up, a veth
// pair between two namespaces, and lab0 (a VXLAN device whose only remote is the link). Used by
// the netns backend and by the tests and benchmark that compare the relay with the kernel's
// direct VXLAN path.
import { SocklabError } from '../../common/errors.ts';
import { labMac } from '../../common/lab-address.ts';
import { runCollect } from './namespace-host.ts';

export const VNI = '42';

export async function ip(args: string[]): Promise<void> {
  const r = await runCollect(['ip', ...args], { timeoutMs: 15_000 });
  if (r.exitCode !== 0)
    throw new SocklabError(
      'netns.command-failed',
      `ip ${args.join(' ')} failed: ${r.stderr.trim().split('\n')[0]}`,
    );
}

export async function addNamespace(ns: string): Promise<void> {
  await ip(['netns', 'add', ns]);
  await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
}

/**
 * A veth pair: `aDev` in namespace `a` with `aIp`/24, `bDev` in `b` with `bIp`/24 (or, bIp null, a
 * port of `b`'s bridge `master`), both up.
 */
export async function veth(
  a: string,
  aDev: string,
  aIp: string,
  b: string,
  bDev: string,
  bIp: string | null,
  master?: string,
): Promise<void> {
  await ip(['link', 'add', aDev, 'netns', a, 'type', 'veth', 'peer', 'name', bDev, 'netns', b]);
  await ip(['-n', a, 'addr', 'add', `${aIp}/24`, 'dev', aDev]);
  if (bIp) await ip(['-n', b, 'addr', 'add', `${bIp}/24`, 'dev', bDev]);
  if (master) await ip(['-n', b, 'link', 'set', bDev, 'master', master]);
  await ip(['-n', a, 'link', 'set', aDev, 'up']);
  await ip(['-n', b, 'link', 'set', bDev, 'up']);
}

/** A bridge `dev` in namespace `ns` with `address`/24, up: one side's hosts meet on it. */
export async function bridge(ns: string, dev: string, address: string): Promise<void> {
  await ip(['-n', ns, 'link', 'add', dev, 'type', 'bridge']);
  await ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev]);
  await ip(['-n', ns, 'link', 'set', dev, 'up']);
}

/** lab0 in namespace `ns`: VXLAN over `dev` to `remote`, with `labIp`/24 and the MAC linkd expects of it. */
export async function vxlanEnd(ns: string, dev: string, remote: string, labIp: string): Promise<void> {
  await ip([
    '-n',
    ns,
    'link',
    'add',
    'lab0',
    'address',
    labMac(labIp),
    'type',
    'vxlan',
    'id',
    VNI,
    'remote',
    remote,
    'dstport',
    '4789',
    'dev',
    dev,
  ]);
  await ip(['-n', ns, 'addr', 'add', `${labIp}/24`, 'dev', 'lab0']);
  // Frames leave through a userspace relay: the kernel must complete the checksums itself.
  await ethtool(ns, 'lab0', ['tx', 'off']);
  await ip(['-n', ns, 'link', 'set', 'lab0', 'up']);
}

async function ethtool(ns: string, dev: string, features: string[]): Promise<void> {
  const args = ['-K', dev, ...features];
  const r = await runCollect(['ip', 'netns', 'exec', ns, 'ethtool', ...args], { timeoutMs: 15_000 });
  if (r.exitCode !== 0)
    throw new SocklabError(
      'netns.command-failed',
      `ethtool ${args.join(' ')} failed in ${ns}: ${r.stderr.trim()}; install ethtool`,
    );
}

/**
 * Lets the link's end `linkDev` of an underlay veth hand linkd a run of a flow's frames as one
 * datagram (UDP GRO, which the native plane asks its socket for). A veth passes each frame over
 * as it is sent, leaving GRO nothing to gather; asked for GRO, it queues them and runs NAPI, whose
 * GRO coalesces them. The kernel takes that path only for frames from a sender without TSO
 * (veth_skb_is_eligible_for_gro), so the host's end `endDev` turns TSO off: what it sends is VXLAN
 * in frames already (lab0's offloads are off). Under TCP bulk linkd then got 15-20 frames a
 * datagram, took 0.38 CPU seconds a gigabit against 0.55, and carried 1.07x and 1.11x as much (the
 * medians of the rounds' ratios, bench:link's labs, 2026-12-07); frames held 10 ms under bulk left
 * a little later (lateness p99 0.54 ms against 0.31, six rounds; why is not settled: with NAPI in
 * a thread of its own rather than a softirq it was the same, 0.65 against 0.68, and TCP slower).
 * A kernel before 5.13 takes the flag and forwards as before.
 */
export async function gatherAtLink(
  endNs: string,
  endDev: string,
  linkNs: string,
  linkDev: string,
): Promise<void> {
  await Promise.all([ethtool(endNs, endDev, ['tso', 'off']), ethtool(linkNs, linkDev, ['gro', 'on'])]);
}
