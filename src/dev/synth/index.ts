// Synthetic packet builder: real wire bytes from a list of layer specs, for
// tests and the benchmark.  See build.ts for how lengths and checksums are
// derived.

export {
  buildPacket, buildPacketInto, packetLength, linkTypeFor, layerKind, tcpFlags, tcpOptions,
  ETHERTYPE, IPPROTO, UDP_PORT,
} from './build.js';
export { parseIpv4, parseIpv6, parseMac } from './addr.js';
export { internetChecksum, sum16, finishChecksum, pseudoHeaderSumV4, pseudoHeaderSumV6 } from './checksum.js';
export type * from './types.js';
