// Live capture through the optional `cap` libpcap binding: one more packet source for the shared
// pipeline. `cap` is an optional dependency (a native build against libpcap-dev); when it is
// missing, only `live` is unavailable and says how to install it.
//
// cap hands each packet to a 'packet' listener as a byte count into one Buffer it reuses for the
// next packet: the listener here decodes (and writes) it synchronously, before returning, and
// keeps nothing. cap exposes neither the kernel's timestamps nor the original length nor
// pcap_stats, so times are taken on arrival (immediate mode), the length is what was captured
// (cap's snapshot length is 65535), and drops are not known.
import { createRequire } from 'node:module';

/** The part of cap's API this module uses. */
interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  close(): boolean;
  setMinBytes?(n: number): void;
}
interface CapModule {
  Cap: { new (): CapInstance; deviceList(): { name: string; description?: string; addresses: { addr: string }[] }[] };
}

export class LiveCaptureError extends Error {
  constructor(message: string, readonly code: 'unavailable' | 'permission' | 'no-device' | 'filter' | 'other') {
    super(message);
  }
}

export const CAP_INSTALL_HINT =
  "live capture needs the optional native module 'cap' (a libpcap binding), which is not installed or did not build: apt-get install libpcap-dev g++ make python3, then install calico-pcap again (npm install -g calico-pcap; in a clone: npm install cap)";

let loaded: CapModule | null | undefined;

// A cap instance whose open() failed half way (e.g. a bad filter after the handle was
// activated) crashes the process when it is closed or garbage-collected. Keep such instances
// reachable for the life of the process so that neither happens: a few bytes, never a crash.
const failedInstances: CapInstance[] = [];

/** Loads cap once; null when it is not installed or did not build. */
export function loadCap(): CapModule | null {
  if (loaded !== undefined) return loaded;
  try {
    loaded = createRequire(import.meta.url)('cap') as CapModule;
  } catch {
    loaded = null;
  }
  return loaded;
}

export interface LiveInterfaceInfo {
  name: string;
  description: string;
  addresses: string[];
}

export function listInterfaces(): LiveInterfaceInfo[] {
  const cap = loadCap();
  if (!cap) throw new LiveCaptureError(CAP_INSTALL_HINT, 'unavailable');
  return cap.Cap.deviceList().map((d) => ({ name: d.name, description: d.description ?? '', addresses: (d.addresses ?? []).map((a) => a.addr).filter(Boolean) }));
}

// cap names the link types it knows; any other comes back as "Unknown linktype N".
const CAP_LINKTYPES: Record<string, number> = { NULL: 0, ETHERNET: 1, IEEE802_11_RADIO: 127, LINKTYPE_LINUX_SLL: 113, LINUX_SLL: 113, RAW: 101 };

export type LivePacketHandler = (iface: number, bytes: Buffer, caplen: number, truncated: boolean) => void;

export interface OpenedInterface {
  name: string;
  linktype: number;
}

/** Open captures on several interfaces; packets from all of them go to one handler. */
export class LiveCapture {
  readonly interfaces: OpenedInterface[] = [];
  private readonly caps: CapInstance[] = [];
  private closed = false;

  static open(names: string[], filter: string, handler: LivePacketHandler, bufferBytes = 16 * 1024 * 1024): LiveCapture {
    const cap = loadCap();
    if (!cap) throw new LiveCaptureError(CAP_INSTALL_HINT, 'unavailable');
    const live = new LiveCapture();
    // Check names first: libpcap would print a warning of its own on stderr for an unknown one.
    const known = new Set(cap.Cap.deviceList().map((d) => d.name));
    const missing = names.find((n) => !known.has(n));
    if (missing !== undefined) throw describeOpenError(missing, filter, 'No such device');
    try {
      names.forEach((name, index) => {
        const instance = new cap.Cap();
        const buffer = Buffer.alloc(65535);
        let linkName: string;
        try {
          linkName = instance.open(name, filter, bufferBytes, buffer);
        } catch (err) {
          failedInstances.push(instance);
          throw describeOpenError(name, filter, (err as Error).message);
        }
        const unknown = /Unknown linktype (\d+)/.exec(linkName);
        const linktype = unknown ? Number(unknown[1]) : CAP_LINKTYPES[linkName] ?? -1;
        instance.setMinBytes?.(0);
        instance.on('packet', (nbytes, truncated) => handler(index, buffer, nbytes, truncated));
        live.caps.push(instance);
        live.interfaces.push({ name, linktype });
      });
    } catch (err) {
      live.close();
      throw err;
    }
    return live;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.caps) {
      try {
        c.close();
      } catch {
        // already closed
      }
    }
  }
}

function describeOpenError(name: string, filter: string, message: string): LiveCaptureError {
  if (/permission|not permitted|EPERM|Operation not permitted/i.test(message)) {
    return new LiveCaptureError(
      `${name}: no permission to capture (${message}); run as root (sudo calico-pcap live ...) or give node the capabilities: sudo setcap cap_net_raw,cap_net_admin+eip $(readlink -f $(which node))`,
      'permission',
    );
  }
  if (/No such device|doesn't exist|does not exist|SIOCGIFHWADDR|No such file/i.test(message)) {
    let known = '';
    try {
      known = listInterfaces().map((i) => i.name).filter((n) => !/^(dbus|bluetooth|nflog|nfqueue)/.test(n)).join(', ');
    } catch {
      // cap present but listing failed: say nothing more
    }
    return new LiveCaptureError(`${name}: no such interface${known ? ` (interfaces: ${known})` : ''}`, 'no-device');
  }
  if (filter && /syntax|parse|filter|illegal|expression/i.test(message)) {
    return new LiveCaptureError(`bad capture filter '${filter}': ${message}`, 'filter');
  }
  return new LiveCaptureError(`${name}: ${message}`, 'other');
}
