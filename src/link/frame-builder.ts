// Builds VXLAN datagrams carrying Ethernet + IPv4 + UDP, with correct checksums. Pure; used by
// the relay's tests and the link benchmark to play an end host without a kernel VXLAN device.

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
  payload: Buffer;
}

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
  Buffer.from([0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]).copy(d, 8);
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

/** An ARP request inside VXLAN: what a host sends before its first IP packet. */
export function vxlanArpFrame(vni = 42): Buffer {
  const d = Buffer.alloc(8 + 14 + 28);
  d[0] = 0x08;
  d.writeUIntBE(vni, 4, 3);
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1]).copy(d, 8);
  d.writeUInt16BE(0x0806, 20);
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
