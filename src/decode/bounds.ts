// Length checks shared by every decoder: one place decides whether missing bytes mean the
// capture tool cut the packet (snapshot length) or a length field lies (malformed).
import { issueId } from '../issues.js';
import type { DecodedPacket } from './packet.js';

const ID_SNAPLEN_CUT = issueId('captured.snaplen_cut');

/**
 * Records that a layer at `offset` needed `needed` bytes but only `present` were there.
 * Missing bytes that lie past the captured end of a packet shorter than it was on the wire were
 * cut by the snapshot length: not a malformed packet (Wireshark's BoundsError vs ReportedBoundsError).
 */
export function reportShort(p: DecodedPacket, id: number, offset: number, needed: number, present: number): void {
  if (p.wireLen > p.caplen && offset + needed > p.capEnd && offset + needed <= p.start + p.wireLen) {
    p.addIssue(ID_SNAPLEN_CUT, offset, needed, present);
  } else {
    p.addIssue(id, offset, needed, present);
  }
}

/** True (and the issue recorded) when fewer than `needed` bytes remain at the cursor. */
export function isShort(p: DecodedPacket, needed: number, id: number): boolean {
  const present = p.end - p.off;
  if (present >= needed) return false;
  reportShort(p, id, p.off, needed, present < 0 ? 0 : present);
  return true;
}
