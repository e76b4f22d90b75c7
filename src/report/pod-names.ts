// `--pods FILE`: the names the reports print beside pod IPs ("default/pod-node04"). What the
// renderers receive, looked up from typed addresses (a flow's Address, an IPv4 word of a packet);
// one string per pod, built once by the index, so naming costs no string building per packet.
// The flow records are never changed: the names live in the report only.
import { ipv6, parseAddress, type Address } from '../net/address.js';
import type { PodIndex } from '../model/pods.js';

/** The document's `pods` section: where the names came from and what was resolved on the way. */
export interface PodsSection {
  /** The --pods files and directories, as given. */
  files: string[];
  /** Pods with an address in the files (hostNetwork pods are never named: their IP is the node's). */
  namedPods: number;
  /** Addresses named (a dual-stack pod has two). */
  namedAddresses: number;
  /** One IP claimed by two pods, and which one is shown (also on stderr). */
  warnings: string[];
  /** What was read and not used: hostNetwork pods, objects that are not Pods (also on stderr). */
  notes: string[];
}

export class PodNames {
  /** Canonical text -> name, for records that hold addresses only as text (correlate's packets); built on first use. */
  private byText: Map<string, string | null> | null = null;

  constructor(readonly index: PodIndex, readonly files: string[]) {}

  /** "namespace/name" of the pod holding the address, or null. */
  of(a: Address | null): string | null {
    return a === null ? null : this.index.labelOf(a);
  }

  /** The name for the source (which = 0) or destination (1) address of the IP header at `offset` of a packet. */
  ofPacket(b: Uint8Array, family: number, offset: number, which: 0 | 1): string | null {
    if (family === 4) {
      const o = offset + 12 + 4 * which;
      return this.index.labelOfIpv4(((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0);
    }
    const o = offset + 8 + 16 * which;
    const word = (i: number) => ((b[o + i] << 24) | (b[o + i + 1] << 16) | (b[o + i + 2] << 8) | b[o + i + 3]) >>> 0;
    return this.index.labelOf(ipv6(word(0), word(4), word(8), word(12)));
  }

  /** The name for an address the engine handed over as text (its canonical RFC 5952 / dotted form). */
  ofText(text: string): string | null {
    this.byText ??= new Map();
    let name = this.byText.get(text);
    if (name === undefined) {
      const a = parseAddress(text);
      name = a === null ? null : this.index.labelOf(a);
      if (this.byText.size < 1 << 16) this.byText.set(text, name); // bounded: addresses seen, not pods
    }
    return name;
  }

  section(): PodsSection {
    return { files: this.files, namedPods: this.index.size, namedAddresses: this.index.addressCount, warnings: this.index.warnings, notes: this.index.notes };
  }
}

/**
 * The inner "src -> dst" of a table row; with --pods each known address carries its pod's name,
 * "10.200.2.10 (default/pod-node01) -> 10.200.255.10 (default/pod-node04)". `safe` escapes the
 * names for a terminal (they come from a file).
 */
export function innerPair(inner: { src: string; dst: string; srcPod?: string | null; dstPod?: string | null } | null, safe: (s: string) => string): string {
  if (inner === null) return '-';
  const end = (address: string, pod: string | null | undefined) => (pod ? `${address} (${safe(pod)})` : address);
  return `${end(inner.src, inner.srcPod)} -> ${end(inner.dst, inner.dstPod)}`;
}
