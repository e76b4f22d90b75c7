// What commands share beyond capture reading: the optional cluster model of live, correlate
// and report, its warnings, and the --window duration.
import { buildModel, hasModelFlags, type KubeObjects, type ModelFlags } from '../model/sources.js';
import { ModelError } from '../model/model-error.js';
import { parseMode, type ClusterModel } from '../model/cluster.js';
export { DEFAULT_WINDOW_PACKETS } from '../engine/correlate/correlate.js';
import { terminalSafe } from '../report/terminal-safe.js';
import type { CliIo } from './support.js';

export type ModelOptions = ModelFlags & { cluster: string[] } & KubeModelOptions;

/** --kube and its companions (docs/kube.md). */
export interface KubeModelOptions {
  kube?: boolean;
  kubeconfig?: string;
  context?: string;
  /** --request-timeout in seconds (0: none); parsed by parseRequestTimeout. */
  requestTimeout?: number;
  /** --chunk-size: objects per list page, as kubectl's. */
  chunkSize?: number;
}

/** --kube was asked for: by itself, or implied by --kubeconfig or --context. */
export function kubeWanted(opts: KubeModelOptions): boolean {
  return opts.kube === true || opts.kubeconfig !== undefined || opts.context !== undefined;
}

/**
 * The cluster model when any model option was given (live, correlate, report: it is optional
 * there), null when none was, undefined after printing why it could not be read.
 */
export async function optionalModel(opts: ModelOptions, io: CliIo): Promise<ClusterModel | null | undefined> {
  if (opts.cluster.length === 0 && !hasModelFlags(opts) && !kubeWanted(opts)) return null;
  return requiredModel(opts, io);
}

/**
 * The cluster model (verify needs one), or undefined after printing why it could not be read.
 * Sources in order, a later one overriding: --cluster files, the cluster (--kube), flags.
 */
export async function requiredModel(opts: ModelOptions, io: CliIo): Promise<ClusterModel | undefined> {
  let model: ClusterModel;
  try {
    let kube: KubeObjects | undefined;
    if (kubeWanted(opts)) {
      // Loaded only here: the Kubernetes client costs ~0.6 s to import.
      const { readKubeObjects, DEFAULT_REQUEST_TIMEOUT_SECONDS } = await import('../model/kube-source.js');
      const read = await readKubeObjects({ kubeconfig: opts.kubeconfig, context: opts.context, timeoutSeconds: opts.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_SECONDS, chunkSize: opts.chunkSize });
      kube = { objects: read.objects, source: read.label };
    }
    model = buildModel(opts.cluster, opts, kube);
  } catch (err) {
    if (err instanceof ModelError) {
      io.stderr(`calico-pcap: ${terminalSafe(err.message)}\n`);
      return undefined;
    }
    throw err;
  }
  printModelWarnings(model, io);
  return model;
}

/** The model's contradictions (resolved, the later source wins) and notes, one stderr line each. */
export function printModelWarnings(model: ClusterModel, io: CliIo): void {
  for (const w of model.warnings) io.stderr(`calico-pcap: warning: ${terminalSafe(w)}\n`);
  for (const n of model.notes) io.stderr(`calico-pcap: note: ${terminalSafe(n)}\n`);
}

export interface DecoderPorts {
  vxlanPorts: number[];
  wireguardPorts: number[];
}

/**
 * The UDP ports the decoder reads as VXLAN and WireGuard: --vxlan-port (always "decode this port
 * as VXLAN") and the ports of the model's Felix settings, so that traffic on Felix's own port is
 * always decoded and then judged against it.
 */
export function decoderPorts(flagPorts: readonly number[], model: ClusterModel | null): DecoderPorts {
  const vxlanPorts = [...new Set([...flagPorts, ...(model ? [model.felix.vxlanPort] : [])])];
  const wireguardPorts = model ? [...new Set([model.felix.wireguardPort, model.felix.wireguardPortV6])] : [];
  return { vxlanPorts, wireguardPorts };
}

/** --window in seconds, or undefined after printing why it is not a duration. */
export function windowOption(text: string, io: CliIo): number | undefined {
  const seconds = parseDuration(text);
  if (seconds === null) io.stderr(`calico-pcap: --window "${text}" is not a duration (2s, 500ms, 1.5, 2m, 1h)\n`);
  return seconds ?? undefined;
}

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** "2s", "500ms", "1.5" (seconds), "2m", "1h", as Go's and kubectl's durations read. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return null;
  const v = Number(m[1]) * DURATION_UNITS[m[2] ?? 's'];
  return v > 0 && Number.isFinite(v) ? v : null;
}

/** Always, CrossSubnet or Never (any case). */
export function isEncapMode(text: string): boolean {
  return parseMode(text) !== null;
}
