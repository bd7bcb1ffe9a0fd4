// Builds VXLAN datagrams carrying Ethernet + IPv4 + UDP (or TCP, ICMP), with correct checksums.
// Pure; used by the relay's tests and the link benchmark to play an end host without a kernel
// VXLAN device.

function checksum(buf: Buffer, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i + 1 < end; i += 2) sum += buf.readUInt16BE(i);
  if ((end - start) % 2 === 1) sum += buf[end - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const ip4 = (s: string): number[] => s.split('.').map(Number);

export interface UdpFrameSpec {
  vni?: number;
  srcIp?: string;
  dstIp?: string;
  sport?: number;
  dport?: number;
  /** Ethernet source (default 02:00:00:00:00:01). */
  srcMac?: string;
  payload: Buffer;
}

const macOf = (mac: string): number[] => mac.split(':').map((x) => Number.parseInt(x, 16));

export function vxlanUdpFrame(spec: UdpFrameSpec): Buffer {
  const {
    payload,
    vni = 42,
    srcIp = '198.19.0.1',
    dstIp = '198.19.0.2',
    sport = 40000,
    dport = 12000,
  } = spec;
  const ipLen = 20 + 8 + payload.length;
  const d = Buffer.alloc(8 + 14 + ipLen);
  d[0] = 0x08;
  d.writeUIntBE(vni, 4, 3);
  // Ethernet: locally administered MACs, IPv4.
  Buffer.from([0x02, 0, 0, 0, 0, 2, ...macOf(spec.srcMac ?? '02:00:00:00:00:01')]).copy(d, 8);
  d.writeUInt16BE(0x0800, 20);
  const ip = 22;
  d[ip] = 0x45;
  d.writeUInt16BE(ipLen, ip + 2);
  d[ip + 8] = 64;
  d[ip + 9] = 17;
  Buffer.from(ip4(srcIp)).copy(d, ip + 12);
  Buffer.from(ip4(dstIp)).copy(d, ip + 16);
  d.writeUInt16BE(checksum(d, ip, ip + 20), ip + 10);
  const udp = ip + 20;
  d.writeUInt16BE(sport, udp);
  d.writeUInt16BE(dport, udp + 2);
  d.writeUInt16BE(8 + payload.length, udp + 4);
  payload.copy(d, udp + 8);
  // UDP checksum over the pseudo-header (addresses, protocol, length) and the datagram.
  const pseudo = ip4(srcIp).concat(ip4(dstIp));
  let initial = 17 + 8 + payload.length;
  for (let i = 0; i < 8; i += 2) initial += (pseudo[i]! << 8) + pseudo[i + 1]!;
  d.writeUInt16BE(checksum(d, udp, udp + 8 + payload.length, initial) || 0xffff, udp + 6);
  return d;
}

/** An ARP request (or, with `reply`, a reply) inside VXLAN: what a host sends before its first IP packet. */
export function vxlanArpFrame(
  vni = 42,
  o: { srcMac?: string; senderMac?: string; senderIp?: string; targetIp?: string; reply?: boolean } = {},
): Buffer {
  const d = Buffer.alloc(8 + 14 + 28);
  d[0] = 0x08;
  d.writeUIntBE(vni, 4, 3);
  const src = macOf(o.srcMac ?? '02:00:00:00:00:01');
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...src]).copy(d, 8);
  d.writeUInt16BE(0x0806, 20);
  const a = 22;
  d.writeUInt16BE(1, a);
  d.writeUInt16BE(0x0800, a + 2);
  d[a + 4] = 6;
  d[a + 5] = 4;
  d.writeUInt16BE(o.reply ? 2 : 1, a + 6);
  Buffer.from(macOf(o.senderMac ?? o.srcMac ?? '02:00:00:00:00:01')).copy(d, a + 8);
  Buffer.from(ip4(o.senderIp ?? '198.19.0.1')).copy(d, a + 14);
  Buffer.from(ip4(o.targetIp ?? '198.19.0.2')).copy(d, a + 24);
  return d;
}

/** Verifies the IPv4 header and UDP checksums of a frame built above (false after corruption). */
export function udpChecksumsValid(d: Buffer): boolean {
  const ip = 22;
  if (checksum(d, ip, ip + 20) !== 0) return false;
  const ipLen = d.readUInt16BE(ip + 2);
  const udp = ip + 20;
  const src = [...d.subarray(ip + 12, ip + 16)];
  const dst = [...d.subarray(ip + 16, ip + 20)];
  const pseudo = src.concat(dst);
  let initial = 17 + ipLen - 20;
  for (let i = 0; i < 8; i += 2) initial += (pseudo[i]! << 8) + pseudo[i + 1]!;
  return checksum(d, udp, ip + ipLen, initial) === 0 && d[ip + 9] === 17;
}

/** Ethernet + IPv4 header around `l4` (protocol `proto`), inside VXLAN; the IP checksum is set. */
function vxlanIpFrame(proto: number, l4: Buffer, srcIp: string, dstIp: string, vni = 42): Buffer {
  const d = Buffer.alloc(8 + 14 + 20 + l4.length);
  d[0] = 0x08;
  d.writeUIntBE(vni, 4, 3);
  Buffer.from([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]).copy(d, 8);
  d.writeUInt16BE(0x0800, 20);
  const ip = 22;
  d[ip] = 0x45;
  d.writeUInt16BE(20 + l4.length, ip + 2);
  d[ip + 8] = 64;
  d[ip + 9] = proto;
  Buffer.from(ip4(srcIp)).copy(d, ip + 12);
  Buffer.from(ip4(dstIp)).copy(d, ip + 16);
  d.writeUInt16BE(checksum(d, ip, ip + 20), ip + 10);
  l4.copy(d, ip + 20);
  return d;
}

export interface TcpFrameSpec {
  srcIp?: string;
  dstIp?: string;
  sport?: number;
  dport?: number;
  /** FIN 1, SYN 2, RST 4, PSH 8, ACK 16. */
  flags?: number;
  payload?: Buffer;
}

/** A TCP segment (checksum not computed: the relay does not check it). */
export function vxlanTcpFrame(spec: TcpFrameSpec = {}): Buffer {
  const { srcIp = '198.19.0.1', dstIp = '198.19.0.2', sport = 40001, dport = 12000, flags = 0x10 } = spec;
  const payload = spec.payload ?? Buffer.alloc(0);
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(sport, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  payload.copy(tcp, 20);
  return vxlanIpFrame(6, tcp, srcIp, dstIp);
}

/** An ICMP echo request (ping). */
export function vxlanPingFrame(seq = 1, srcIp = '198.19.0.1', dstIp = '198.19.0.2'): Buffer {
  const icmp = Buffer.alloc(8 + 56);
  icmp[0] = 8;
  icmp.writeUInt16BE(seq, 6);
  icmp.writeUInt16BE(checksum(icmp, 0, icmp.length), 2);
  return vxlanIpFrame(1, icmp, srcIp, dstIp);
}
