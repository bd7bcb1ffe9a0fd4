// What the relay needs to know about a VXLAN datagram: whether it is one, what the inner frame
// carries (for counters, the packet record and the capture), and where the inner IP packet
// lies (corruption flips a bit there). Defensive: any datagram from the network may be garbage.

export const VXLAN_HEADER = 8;
const ETH_HEADER = 14;

export type InnerProtocol = 'udp' | 'tcp' | 'icmp' | 'arp' | 'nd' | 'other';
export const INNER_PROTOCOLS: readonly InnerProtocol[] = ['udp', 'tcp', 'icmp', 'arp', 'nd', 'other'];

export interface FrameInfo {
  vni: number;
  proto: InnerProtocol;
  /** Offset of the inner IP packet in the datagram, and its length; -1 when there is none. */
  ipOffset: number;
  ipLength: number;
  /** IPv4 addresses as 32-bit numbers (formatted only when someone reads them); 0 for IPv6. */
  src: number;
  dst: number;
  /** IPv6: offset of the 32 bytes of source and destination address in the datagram; -1 otherwise. */
  v6Addresses: number;
  sport: number;
  dport: number;
  /** Offset and length of the transport payload (UDP/TCP data, or the whole ICMP message). */
  payloadOffset: number;
  payloadLength: number;
  /** TCP flags byte (SYN, ACK, ...) for the record; 0 otherwise. */
  tcpFlags: number;
}

/** An IPv6 address as text (the 16 bytes at `o`). */
export function ipv6Text(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[o + i]! << 8) | b[o + i + 1]!).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export function emptyFrameInfo(): FrameInfo {
  return {
    vni: 0,
    proto: 'other',
    ipOffset: -1,
    ipLength: 0,
    src: 0,
    dst: 0,
    v6Addresses: -1,
    sport: 0,
    dport: 0,
    payloadOffset: -1,
    payloadLength: 0,
    tcpFlags: 0,
  };
}

/**
 * Parses a VXLAN datagram; null when it is not one (too short, no VNI flag, reserved bits set).
 * `into` is filled and returned instead of a new object: the relay parses every frame into one.
 */
export function parseVxlan(d: Buffer, into?: FrameInfo): FrameInfo | null {
  // The I flag set and the reserved bytes zero, as Linux sends it (RFC 7348).
  if (
    d.length < VXLAN_HEADER + ETH_HEADER ||
    (d[0]! & 0x08) === 0 ||
    d[1] !== 0 ||
    d[2] !== 0 ||
    d[3] !== 0 ||
    d[7] !== 0
  ) {
    return null;
  }
  const info = into ?? emptyFrameInfo();
  info.vni = (d[4]! << 16) | (d[5]! << 8) | d[6]!;
  info.proto = 'other';
  info.ipOffset = -1;
  info.ipLength = 0;
  info.src = 0;
  info.dst = 0;
  info.v6Addresses = -1;
  info.sport = 0;
  info.dport = 0;
  info.payloadOffset = -1;
  info.payloadLength = 0;
  info.tcpFlags = 0;
  let o = VXLAN_HEADER + 12;
  let ethertype = d.readUInt16BE(o);
  o += 2;
  if (ethertype === 0x8100 && d.length >= o + 4) {
    ethertype = d.readUInt16BE(o + 2);
    o += 4;
  }
  if (ethertype === 0x0806) {
    info.proto = 'arp';
    return info;
  }
  let l4: number;
  let l4End: number;
  let next: number;
  if (ethertype === 0x0800 && d.length >= o + 20 && d[o]! >> 4 === 4) {
    const ihl = (d[o]! & 0x0f) * 4;
    const total = d.readUInt16BE(o + 2);
    if (ihl < 20 || total < ihl || d.length < o + total) return info;
    info.ipOffset = o;
    info.ipLength = total;
    info.src = d.readUInt32BE(o + 12);
    info.dst = d.readUInt32BE(o + 16);
    next = d[o + 9]!;
    // Only the first fragment carries the transport header.
    if ((d.readUInt16BE(o + 6) & 0x1fff) !== 0) return info;
    l4 = o + ihl;
    l4End = o + total;
  } else if (ethertype === 0x86dd && d.length >= o + 40 && d[o]! >> 4 === 6) {
    const payloadLen = d.readUInt16BE(o + 4);
    if (d.length < o + 40 + payloadLen) return info;
    info.ipOffset = o;
    info.ipLength = 40 + payloadLen;
    info.v6Addresses = o + 8;
    next = d[o + 6]!;
    l4 = o + 40;
    l4End = o + 40 + payloadLen;
  } else {
    return info;
  }
  if (next === 17 && l4End - l4 >= 8) {
    info.proto = 'udp';
    info.sport = d.readUInt16BE(l4);
    info.dport = d.readUInt16BE(l4 + 2);
    info.payloadOffset = l4 + 8;
    info.payloadLength = l4End - l4 - 8;
  } else if (next === 6 && l4End - l4 >= 20) {
    info.proto = 'tcp';
    info.sport = d.readUInt16BE(l4);
    info.dport = d.readUInt16BE(l4 + 2);
    const dataOffset = (d[l4 + 12]! >> 4) * 4;
    info.tcpFlags = d[l4 + 13]!;
    info.payloadOffset = Math.min(l4 + dataOffset, l4End);
    info.payloadLength = Math.max(0, l4End - l4 - dataOffset);
  } else if (next === 1 || next === 58) {
    const type = d[l4];
    // Neighbour solicitation and advertisement (and router ones) are IPv6's ARP.
    info.proto = next === 58 && type !== undefined && type >= 133 && type <= 137 ? 'nd' : 'icmp';
    info.payloadOffset = l4;
    info.payloadLength = l4End - l4;
  }
  return info;
}

/** How much of the payload the fingerprint reads: enough to tell messages apart, cheap at line rate. */
export const FINGERPRINT_BYTES = 64;

/**
 * FNV-1a (32 bit) over the payload's length (4 bytes, big-endian) and its first 64 bytes: what an
 * application can compute from the bytes it sent or received (see fingerprintPayload).
 */
export function fingerprintBytes(d: Uint8Array, offset: number, length: number): number {
  let h = 0x811c9dc5;
  for (let k = 24; k >= 0; k -= 8) {
    h ^= (length >>> k) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  const end = offset + Math.min(length, FINGERPRINT_BYTES);
  for (let i = offset; i < end; i++) {
    h ^= d[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function fingerprint(d: Buffer, info: FrameInfo): number {
  return info.payloadOffset < 0 ? 0 : fingerprintBytes(d, info.payloadOffset, info.payloadLength);
}

/** The fingerprint of an application's own message, as the relay records it. */
export function fingerprintPayload(payload: Uint8Array): string {
  return fingerprintBytes(payload, 0, payload.length).toString(16).padStart(8, '0');
}

/** The sequence number of a socklab probe message (`<seq>:...`) in a UDP payload; -1 otherwise. */
export function probeSeq(d: Buffer, info: FrameInfo): number {
  if (info.proto !== 'udp' || info.payloadLength < 2) return -1;
  let seq = 0;
  const end = info.payloadOffset + Math.min(info.payloadLength, 12);
  for (let i = info.payloadOffset; i < end; i++) {
    const b = d[i]!;
    if (b === 0x3a) return i > info.payloadOffset ? seq : -1;
    if (b < 0x30 || b > 0x39) return -1;
    seq = seq * 10 + (b - 0x30);
  }
  return -1;
}

/** A peer's own lab0: the only inner source its frames may carry. */
export interface InnerIdentity {
  /** IPv4 address as a 32-bit number. */
  ip: number;
  mac: Uint8Array;
}

const sameBytes = (d: Uint8Array, at: number, want: Uint8Array): boolean => {
  for (let i = 0; i < want.length; i++) if (d[at + i] !== want[i]) return false;
  return true;
};

/**
 * Whether a VXLAN datagram's inner frame comes from `id` itself: its Ethernet source, an ARP
 * sender (MAC, and IP or 0.0.0.0 for a probe), an IPv4 source, an IPv6 source that is link-local
 * or unspecified. A program that sends VXLAN to the link by hand can write any of these: this is
 * how linkd tells a host's kernel from a forger. `info` is the datagram's parse (parseVxlan).
 */
export function innerSourceIs(d: Buffer, info: FrameInfo, id: InnerIdentity): boolean {
  if (!sameBytes(d, VXLAN_HEADER + 6, id.mac)) return false;
  if (info.proto === 'arp') {
    let o = VXLAN_HEADER + 12;
    if (d.readUInt16BE(o) === 0x8100) o += 4;
    o += 2;
    if (d.length < o + 28) return false;
    const senderIp = d.readUInt32BE(o + 14);
    return sameBytes(d, o + 8, id.mac) && (senderIp === id.ip || senderIp === 0);
  }
  if (info.ipOffset < 0) return true;
  if (info.v6Addresses < 0) return info.src === id.ip;
  const a = info.v6Addresses;
  // fe80::/10, or :: (duplicate address detection before an address is taken).
  const linkLocal = d[a] === 0xfe && (d[a + 1]! & 0xc0) === 0x80;
  return linkLocal || d.subarray(a, a + 16).every((b) => b === 0);
}
