// The layers of src/ and the directions they may depend in, checked by test/architecture.test.ts
// (and `npx depcruise src --config .dependency-cruiser.cjs`). From the ground up:
//   capture (readers, writers, live) and decode (views, dispatch, layer stack) know no protocol
//   above them and no file format respectively; analysis (the flow table) sits on decode; model
//   (the cluster) stands alone; verify, correlate and report sit above; the commands (cli*,
//   pipeline, live-run, report-run) on top. Development tools (bench, fuzz, synth) are never
//   imported by shipped code.
// The folder cycle report <-> verify predates this check and is pinned in
// .dependency-cruiser-known-violations.json until the verdict engine takes typed records
// (issue 9); anything new fails.
const COMMANDS = '^src/(cli|cli-support|live-run|report-run)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no module cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'capture-is-the-ground',
      comment: 'capture knows no protocol and nothing above it: only capture and issues.ts',
      severity: 'error',
      from: { path: '^src/capture/' },
      to: { path: '^src/', pathNot: ['^src/capture/', '^src/issues\\.ts$'] },
    },
    {
      name: 'decode-is-the-ground',
      comment: 'decode knows no file and nothing above it: only decode and issues.ts',
      severity: 'error',
      from: { path: '^src/decode/' },
      to: { path: '^src/', pathNot: ['^src/decode/', '^src/issues\\.ts$'] },
    },
    {
      name: 'analysis-on-decode',
      comment: 'the flow table reads decoded packets, nothing above',
      severity: 'error',
      from: { path: '^src/analysis/' },
      to: { path: '^src/', pathNot: ['^src/analysis/', '^src/decode/', '^src/issues\\.ts$'] },
    },
    {
      name: 'model-stands-alone',
      comment: 'the cluster model depends on nothing else of ours',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/model/' },
    },
    {
      name: 'no-layer-imports-a-command',
      comment: 'commands sit on top: engine and reporters never import them',
      severity: 'error',
      from: { path: '^src/', pathNot: [COMMANDS, '^src/(bench|fuzz)/'] },
      to: { path: COMMANDS },
    },
    {
      name: 'no-folder-cycle-verify-report',
      comment: 'verify must not depend on the reporters (typed records, not report rows)',
      severity: 'error',
      from: { path: '^src/verify/' },
      to: { path: '^src/report/' },
    },
    {
      name: 'no-folder-cycle-correlate-report',
      comment: 'correlate must not depend on the reporters',
      severity: 'error',
      from: { path: '^src/correlate/' },
      to: { path: '^src/report/' },
    },
    {
      name: 'dev-tools-not-shipped',
      comment: 'bench, fuzz and synth are development tools: shipped code never imports them',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(bench|fuzz|synth)/' },
      to: { path: '^src/(bench|fuzz|synth)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
