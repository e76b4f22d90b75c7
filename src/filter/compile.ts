// A -Y/--where expression compiled into a predicate over decoded packets: parsed and checked
// once (every error names its column), then built per capture into nested closures that read the
// decoded packet's typed arrays. Nothing is allocated per packet.
import { fieldNamed, type CaptureEnv, type FilterContext, type PacketTest, type TestBuilder } from './fields.js';
import { parseFilter, type FilterNode } from './parse.js';

export { FilterError } from './parse.js';
export type { CaptureEnv, FilterContext, PacketTest } from './fields.js';

/** A checked expression: builds the packet test of each capture it filters (analysis/pipeline.ts PacketSelector). */
export class PacketFilter {
  private constructor(readonly expression: string, private readonly builder: TestBuilder) {}

  /** Parses and checks `expression`; throws FilterError (with the column) when it is not a filter. */
  static compile(expression: string, context: FilterContext): PacketFilter {
    return new PacketFilter(expression, prepare(parseFilter(expression), expression, context));
  }

  /** The test for the packets of one capture, whose interface names `env` tells. */
  forCapture(env: CaptureEnv): PacketTest {
    return this.builder(env);
  }
}

/** Checks a node of the tree and returns what builds its test. */
function prepare(node: FilterNode, expression: string, context: FilterContext): TestBuilder {
  switch (node.kind) {
    case 'or': {
      const l = prepare(node.left, expression, context);
      const r = prepare(node.right, expression, context);
      return (env) => {
        const a = l(env);
        const b = r(env);
        return (p, i, d) => a(p, i, d) || b(p, i, d);
      };
    }
    case 'and': {
      const l = prepare(node.left, expression, context);
      const r = prepare(node.right, expression, context);
      return (env) => {
        const a = l(env);
        const b = r(env);
        return (p, i, d) => a(p, i, d) && b(p, i, d);
      };
    }
    case 'not': {
      const o = prepare(node.operand, expression, context);
      return (env) => {
        const a = o(env);
        return (p, i, d) => !a(p, i, d);
      };
    }
    case 'present':
      return fieldNamed(node.field, expression).present(node.field, expression, context);
    case 'compare': {
      const field = fieldNamed(node.field, expression);
      const equals = field.equals(node.values, node.field, expression, context);
      if (node.op !== '!=') return equals;
      // As in tshark 4.0: `a != b` holds when the packet has the field and no value of it is b
      // (a plain packet has no vni: `vni != 4096` is false for it, `not vni == 4096` true).
      const present = field.present(node.field, expression, context);
      return (env) => {
        const has = present(env);
        const eq = equals(env);
        return (p, i, d) => has(p, i, d) && !eq(p, i, d);
      };
    }
  }
}
