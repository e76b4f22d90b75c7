// The verdict step every command shares (verify, live, report): a run's typed flows and capture
// points handed to the engine with the model, and the verify document built from the result.
import type { CaptureRun } from '../analysis/pipeline.js';
import type { FlowRecord } from '../analysis/flows.js';
import { judgeCapture, type JudgeOptions, type Judgement } from '../engine/judge.js';
import { pointFactsOf, type PointFacts } from '../engine/capture-point.js';
import type { ClusterModel } from '../model/cluster.js';
import { buildDocument, type AnalysisDocument } from '../report/document.js';
import { buildVerifyDocument, type VerifyDocument } from '../report/verify-report.js';
import type { PodNames } from '../report/pod-names.js';

/** What the capture says about each of its capture points. */
export function pointFacts(run: Pick<CaptureRun, 'interfaces' | 'analyzer'>): PointFacts[] {
  return pointFactsOf(run.analyzer.points.records(), run.interfaces);
}

export function judgeRun(run: CaptureRun, records: readonly FlowRecord[], model: ClusterModel, options: JudgeOptions): Judgement {
  return judgeCapture(model, {
    flows: records,
    points: pointFacts(run),
    pointIdOf: (f) => f.point,
    recordedDirectionOf: (f) => f.direction,
    file: run.file,
  }, options);
}

/** The analysis document of a run, judged when a model is given; `names` (--pods) beside pod IPs. */
export function documentOf(run: CaptureRun, model: ClusterModel | null, options: JudgeOptions = {}, names: PodNames | null = null): { doc: AnalysisDocument | VerifyDocument; judgement: Judgement | null } {
  const records = run.analyzer.flows.records();
  const doc = buildDocument(run, records, names);
  if (!model) return { doc, judgement: null };
  const judgement = judgeRun(run, records, model, options);
  return { doc: buildVerifyDocument(doc, model, judgement), judgement };
}
