// What commands share beyond capture reading: the optional cluster model of live, correlate
// and report, its warnings, and the --window duration.
import { buildModel, hasModelFlags, type ModelFlags } from '../model/sources.js';
import { ModelError } from '../model/model-error.js';
import { parseMode, type ClusterModel } from '../model/cluster.js';
export { DEFAULT_WINDOW_PACKETS } from '../engine/correlate/correlate.js';
import { terminalSafe } from '../report/terminal-safe.js';
import type { CliIo } from './support.js';

export type ModelOptions = ModelFlags & { cluster: string[] };

/**
 * The cluster model when any model option was given (live, correlate, report: it is optional
 * there), null when none was, undefined after printing why it could not be read.
 */
export function optionalModel(opts: ModelOptions, io: CliIo): ClusterModel | null | undefined {
  if (opts.cluster.length === 0 && !hasModelFlags(opts)) return null;
  return requiredModel(opts, io);
}

/** The cluster model (verify needs one), or undefined after printing why it could not be read. */
export function requiredModel(opts: ModelOptions, io: CliIo): ClusterModel | undefined {
  let model: ClusterModel;
  try {
    model = buildModel(opts.cluster, opts);
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
