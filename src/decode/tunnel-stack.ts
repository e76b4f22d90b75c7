// The tunnel stack: each tunnel remembers which IP header carries it (its outer addresses) and
// its VNI or key. A depth limit stops hostile or looping encapsulations.
import { issueId } from '../issues.js';
import type { DecodedPacket } from './packet.js';

const ID_MAX_DEPTH = issueId('tunnel.max_depth');

/** Records a tunnel carried by the latest IP header; false (and an issue) past the depth limit. */
export function addTunnel(p: DecodedPacket, type: number, vni: number): boolean {
  if (p.tunnelCount >= p.maxTunnels || p.ipCount === 0) {
    p.addIssue(ID_MAX_DEPTH, p.off, -1, -1);
    return false;
  }
  const i = p.tunnelCount++;
  p.tunnelType[i] = type;
  p.tunnelIp[i] = p.ipCount - 1;
  p.tunnelVni[i] = vni;
  p.tunnelKey[i] = -1;
  p.encapChain |= type << (4 * i);
  return true;
}
