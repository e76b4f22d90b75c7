// The layers of src/ and the directions they may depend in, checked by test/architecture.test.ts
// (and `npx depcruise src --config .dependency-cruiser.cjs`). From the ground up:
//   capture (readers, writers, live) knows no protocol; decode (views, dispatch, layer stack)
//   knows no file; net (addresses and CIDRs of both families) stands under all; analysis (the flow table and the pipeline) sits on them; model (the cluster)
//   stands alone; filter (the -Y display filter) compiles expressions over decoded packets,
//   addresses and the model; engine (verify, correlate, capture points) judges typed records of analysis
//   against the model; report renders what engine and analysis return; commands build a run
//   from flags and model and call engine and report; cli.ts only defines the command line.
//   Development tools (src/dev: bench, fuzz, synth) are never imported by shipped code.
const GROUND = ['^src/issues\\.ts$', '^src/version\\.ts$', '^src/net/'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'no module cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'net-is-the-ground',
      comment: 'addresses and CIDRs (src/net) depend on nothing else of ours',
      severity: 'error',
      from: { path: '^src/net/' },
      to: { path: '^src/', pathNot: '^src/net/' },
    },
    {
      name: 'capture-is-the-ground',
      comment: 'capture knows no protocol and nothing above it',
      severity: 'error',
      from: { path: '^src/capture/' },
      to: { path: '^src/', pathNot: ['^src/capture/', ...GROUND] },
    },
    {
      name: 'decode-is-the-ground',
      comment: 'decode knows no file and nothing above it',
      severity: 'error',
      from: { path: '^src/decode/' },
      to: { path: '^src/', pathNot: ['^src/decode/', ...GROUND] },
    },
    {
      name: 'analysis-on-capture-and-decode',
      comment: 'the flow table and the pipeline read captures and decoded packets, nothing above',
      severity: 'error',
      from: { path: '^src/analysis/' },
      to: { path: '^src/', pathNot: ['^src/(analysis|decode|capture)/', ...GROUND] },
    },
    {
      name: 'model-stands-alone',
      comment: 'the cluster model depends on nothing else of ours',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: ['^src/model/', '^src/net/'] },
    },
    {
      name: 'filter-on-decoded-packets',
      comment: 'the display filter (-Y) reads decoded packets, addresses and the model: never the engine, reports or commands',
      severity: 'error',
      from: { path: '^src/filter/' },
      to: { path: '^src/', pathNot: ['^src/(filter|analysis|decode|model)/', ...GROUND] },
    },
    {
      name: 'engine-below-report',
      comment: 'the engine judges typed records: it never reads report rows, commands or the CLI',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/', pathNot: ['^src/(engine|analysis|decode|capture|model)/', ...GROUND] },
    },
    {
      name: 'report-imports-no-command',
      comment: 'reporters render typed results: no command, no CLI',
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/', pathNot: ['^src/(report|engine|analysis|decode|capture|model)/', ...GROUND] },
    },
    {
      name: 'commands-below-cli',
      comment: 'commands never import the command-line definitions',
      severity: 'error',
      from: { path: '^src/commands/' },
      to: { path: '^src/cli\\.ts$' },
    },
    {
      name: 'cli-only-defines',
      comment: 'cli.ts defines the command line and hands each command to src/commands',
      severity: 'error',
      from: { path: '^src/cli\\.ts$' },
      to: { path: '^src/', pathNot: ['^src/commands/', ...GROUND] },
    },
    {
      name: 'dev-tools-not-shipped',
      comment: 'bench, fuzz and synth are development tools: shipped code never imports them',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/dev/' },
      to: { path: '^src/dev/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.dev.json' },
    tsPreCompilationDeps: true,
  },
};
