// -Y/--where EXPR, the display filter every command that reads packets takes (docs/filter.md):
// compiled once, before any capture is opened; a bad expression is bad usage (exit 2), told in
// one message: the reason and column, the expression, a caret under the column.
import { FilterError, PacketFilter } from '../filter/compile.js';
import type { ClusterModel } from '../model/cluster.js';
import type { PodIndex } from '../model/pods.js';
import type { CliIo } from './support.js';

/**
 * The compiled filter, null when none was given, or undefined after printing why the expression
 * is not one. `noModelHint` says where node fields can be used when this command has no model;
 * `pods` (--pods) lets src.pod and dst.pod name pods.
 */
export function whereFilter(expression: string | undefined, model: ClusterModel | null, io: CliIo, noModelHint?: string, pods: PodIndex | null = null): PacketFilter | null | undefined {
  if (expression === undefined) return null;
  try {
    return PacketFilter.compile(expression, { model, noModelHint, pods });
  } catch (err) {
    if (err instanceof FilterError) {
      io.stderr(err.format());
      return undefined;
    }
    throw err;
  }
}
