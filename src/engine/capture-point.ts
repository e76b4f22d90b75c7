// Where a capture was taken decides how its plain flows are read: on tunl0 or vxlan.calico the
// packets are already decapsulated, so a plain pod flow there was carried in that tunnel.
import type { CaptureRun } from '../analysis/pipeline.js';

export interface CaptureDevice {
  name: string | null;
  /** How it was found: --device, the capture interface name, the file name, or default. */
  from: string;
  tunnel: 'vxlan' | 'ipip' | null;
}

export function tunnelOfDevice(name: string): 'vxlan' | 'ipip' | null {
  return /^tunl\d*$/.test(name) ? 'ipip' : /^vxlan(-v6)?\.calico$/.test(name) ? 'vxlan' : null;
}

/**
 * Where the capture was taken: --device, else the pcapng interface name, else the file name
 * (node04-tunl0.pcap). On tunl0 or vxlan.calico packets are already decapsulated.
 */
export function captureDevice(option: string | undefined, run: Pick<CaptureRun, 'interfaces' | 'file'>): CaptureDevice {
  const kind = tunnelOfDevice;
  if (option !== undefined) return { name: option, from: '--device', tunnel: kind(option) };
  const named = run.interfaces.map((i) => i.name).filter((n): n is string => typeof n === 'string');
  if (named.length > 0) return { name: named.join(','), from: 'the capture interface name', tunnel: named.every((n) => kind(n) === kind(named[0])) ? kind(named[0]) : null };
  const base = run.file.split('/').pop() ?? '';
  const fromFile = /tunl\d*/.test(base) ? 'ipip' : /vxlan\.calico/.test(base) ? 'vxlan' : null;
  return fromFile ? { name: fromFile === 'ipip' ? 'tunl0' : 'vxlan.calico', from: 'the file name', tunnel: fromFile } : { name: null, from: 'default', tunnel: null };
}

