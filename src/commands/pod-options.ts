// --pods FILE (repeatable), shared by every command that shows pod IPs: the pod names the reports
// print beside them, read once before any capture.
import { readPods } from '../model/pods.js';
import { ModelError } from '../model/model-error.js';
import { PodNames } from '../report/pod-names.js';
import { terminalSafe } from '../report/terminal-safe.js';
import type { CliIo } from './support.js';

export interface PodOptions {
  /** --pods: kubectl get pods -A -o yaml|json exports, or directories of them. */
  pods?: string[];
}

/**
 * The names when --pods was given, null when it was not, undefined after printing why a file
 * cannot be used (exit 2). Two pods on one IP and skipped hostNetwork pods are one stderr line each.
 */
export function podNamesOption(opts: PodOptions, io: CliIo): PodNames | null | undefined {
  const files = opts.pods ?? [];
  if (files.length === 0) return null;
  let names: PodNames;
  try {
    names = new PodNames(readPods(files), files);
  } catch (err) {
    if (err instanceof ModelError) {
      io.stderr(`calico-pcap: ${terminalSafe(err.message)}\n`);
      return undefined;
    }
    throw err;
  }
  for (const w of names.index.warnings) io.stderr(`calico-pcap: warning: ${terminalSafe(w)}\n`);
  for (const n of names.index.notes) io.stderr(`calico-pcap: note: ${terminalSafe(n)}\n`);
  return names;
}
