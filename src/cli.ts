#!/usr/bin/env node
// The command line: parses options, runs the pipeline, prints the chosen format and maps
// outcomes to exit codes (0 analysed, 1 --strict violation, 2 unreadable input or bad usage).
// Every failure is one line on stderr; a stack trace only with --debug.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { TOOL_VERSION } from './version.js';
import { runAnalyze, SORT_HELP, SORT_KEYS, type AnalyzeOptions } from './commands/analyze.js';
import { runVerify, type VerifyOptions } from './commands/verify.js';
import { runCorrelateCommand, type CorrelateCommandOptions } from './commands/correlate.js';
import { runReportCommand, type ReportCommandOptions } from './commands/report.js';
import { runLiveCommand, type LiveCommandOptions } from './commands/live.js';
import { DEFAULT_SERVICE_ACCOUNT, runRbac, type RbacOptions } from './commands/rbac.js';
import { DEFAULT_WINDOW_PACKETS } from './commands/model-options.js';
import { collect, parseCount, parseModeOption, parsePort, parsePositive, parseRequestTimeout, parseTimeOption } from './commands/option-parsers.js';

import { examplesText } from './commands/help-examples.js';
import { readWasInterrupted } from './commands/interrupt.js';
import { defaultIo, EXIT_OK, EXIT_UNREADABLE, internalErrorCode, installStdoutErrorHandler, safeStderr, type CliIo } from './commands/support.js';

/** The cluster model options of verify, live, correlate and report. */
function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--cluster <file>', 'cluster model: a calico-pcap cluster file, or kubectl/calicoctl YAML or JSON (Node, IPPool, IPAMBlock, BlockAffinity), or a directory of them; repeatable', collect, [])
    .option('--kube', "cluster model read live from the API server with your kubeconfig, as kubectl does (Nodes, Calico's IPPools, BlockAffinities, IPAMBlocks, FelixConfigurations; docs/kube.md); after --cluster files, before flags")
    .option('--kubeconfig <file>', 'the kubeconfig for --kube (default: KUBECONFIG, ~/.kube/config, in-cluster); implies --kube')
    .option('--context <name>', 'the kubeconfig context for --kube (default: its current-context); implies --kube')
    .addOption(new Option('--request-timeout <duration>', 'the whole --kube read ends within this (30s, 1m, 500ms; 0: no limit)').argParser(parseRequestTimeout).default(30, '30s'))
    .addOption(new Option('--chunk-size <n>', 'objects per list request of --kube, as kubectl --chunk-size').argParser(parsePositive(1_000_000)).default(500).hideHelp())
    .option('--pool <cidr>', 'an IP pool (repeatable)', collect, [])
    .option('--block-size <n>', 'block size of the pools given with --pool', parsePositive(32))
    .option('--node <name=ip/prefix>', 'a node and the address/prefix Calico registered for it (repeatable)', collect, [])
    .option('--block <name=cidr>', 'a pod block affine to a node (repeatable); learned from the capture when not given', collect, [])
    .option('--tunnel-addr <name=ip>', "a node's tunnel address (repeatable)", collect, [])
    .option('--vtep-mac <name=mac>', "MAC of a node's vxlan.calico device (repeatable): the frame inside VXLAN must be addressed to it", collect, [])
    .option('--vxlan <mode>', 'vxlanMode of the pools: Always, CrossSubnet or Never (overrides the files)', parseModeOption)
    .option('--ipip <mode>', 'ipipMode of the pools: Always, CrossSubnet or Never (overrides the files)', parseModeOption)
    .option('--vni <n>', "Felix's VXLAN VNI (default 4096)", parsePositive(0xffffff))
    .option('--felix-vxlan-port <port>', "Felix's VXLAN port (default 4789; FelixConfiguration vxlanPort): decoded as VXLAN and expected", parsePositive(65535));
}

/** Options several commands share, declared once: each has one meaning everywhere. */
const shared = {
  vxlanPort: () => new Option('--vxlan-port <port>', "also decode this UDP destination port as VXLAN (repeatable; 4789, 8472 and the model's Felix port always are)").argParser(parsePort).default([]),
  maxFlows: () => new Option('--max-flows <n>', 'flows tracked individually; packets of further flows count only in the totals').argParser(parsePositive(50_000_000)).default(1_000_000),
  maxTunnelDepth: () => new Option('--max-tunnel-depth <n>', 'nested tunnels followed before decoding stops (1-7)').argParser(parsePositive(7)).default(7),
  noColor: () => new Option('--no-color', 'no colours in the table, even on a terminal'),
  debug: () => new Option('--debug', 'show a stack trace if calico-pcap itself fails'),
  window: (what: string) => new Option('--window <duration>', what).default('2s'),
  // -o as kubectl and calicoctl take it; --format, the older spelling, stays as a hidden alias.
  output: (formats: string[]) => new Option('-o, --output <format>', `output format: ${formats.join(', ')} (default: table; also --format)`).choices(formats),
  formatAlias: (formats: string[]) => new Option('--format <format>', 'the same as -o').choices(formats).hideHelp(),
  // -f is the capture filter, as in tcpdump and dumpcap; on a file it cannot apply (tshark refuses it too).
  fileFilter: () => new Option('-f, --filter <bpf>', 'a capture filter: only for live').hideHelp(),
  read: () => new Option('-r, --read <file>', 'a capture to read, as tcpdump -r and tshark -r take it (repeatable; added after the arguments)').argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), v]),
  // -Y as tshark's display filter: over decoded fields, inside tunnels too (docs/filter.md).
  where: () => new Option('-Y, --where <expr>', "display filter over decoded fields, inside tunnels too: only packets it selects are counted (docs/filter.md), e.g. 'encap == vxlan and inner.addr in 10.200.0.0/16'"),
  pods: () => new Option('--pods <file>', 'pod names beside pod IPs: kubectl get pods -A -o yaml (or -o json) saved to a file, or a directory of such files; repeatable').argParser(collect).default([]),
};

/** -o FORMAT and its alias --format land in the same option. */
function addOutputOptions(cmd: Command, formats: string[]): Command {
  return cmd.addOption(shared.output(formats)).addOption(shared.formatAlias(formats));
}

/** The options every command that reads capture files shares. */
function addCaptureOptions(cmd: Command, formats: string[]): Command {
  return addOutputOptions(cmd, formats)
    .addOption(shared.read())
    .addOption(shared.where())
    .addOption(shared.fileFilter())
    .option('--since <time>', 'only packets at or after this time: RFC 3339 (2026-11-25T10:26:00Z) or an offset from the first packet (30s, 2m)', parseTimeOption)
    .option('--until <time>', 'only packets at or before this time: RFC 3339, or an offset from the first packet', parseTimeOption)
    .option('-c, --count <n>', 'read at most this many packets of each capture, as tcpdump -r and tshark -r take -c', parsePositive(Number.MAX_SAFE_INTEGER))
    .addOption(shared.vxlanPort())
    .option('--strict', 'stop at the first malformed packet or file fault with exit code 1')
    .addOption(shared.maxFlows())
    .addOption(shared.maxTunnelDepth())
    .addOption(shared.pods())
    .addOption(shared.noColor())
    .addOption(shared.debug());
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name('calico-pcap')
    .description('What does my Calico datapath really do? Decodes captures from Calico nodes: outer node IPs vs inner pod IPs, IPIP, VXLAN and other tunnels, per flow.')
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`calico-pcap: ${s.replace(/^error: /, '')}`),
    });

  addCaptureOptions(
    program
      .command('analyze').addHelpText('after', examplesText('analyze'))
      .description('decode pcap or pcapng captures (files, gzip, directories, patterns, or - for stdin) and report per flow the encapsulation, node IPs and pod IPs')
      .argument('[captures...]', "capture files (pcap or pcapng, optionally gzip-compressed), - for standard input, directories (their *.pcap, *.pcapng, *.cap[.gz]) or quoted patterns ('node*.pcap.gz')")
      .addOption(new Option('--sort <key>', `order of the flows: ${SORT_HELP}`).choices(SORT_KEYS))
      .addOption(new Option('--top <n>', 'list only the first N flows after --sort (0: all; default all, or 50 in a table on a terminal)').argParser(parseCount))
      .addOption(new Option('--per <record>', '-o ndjson records: one per packet (default) or one per flow').choices(['packet', 'flow'])),
    ['table', 'json', 'csv', 'ndjson'],
  ).action(async (captures: string[], opts: AnalyzeOptions & { read?: string[] }, cmd: Command) => {
    setExit(await runAnalyze(captureArgs(cmd, captures, opts.read), opts, io));
  });

  addModelOptions(addCaptureOptions(
    program
      .command('verify').addHelpText('after', examplesText('verify'))
      .description('check every flow of a capture against what Calico should do with the pool: exit 0 all match, 1 a violation, 2 unreadable capture or model, 4 inconclusive (pod traffic that could not be judged)')
      .argument('[captures...]', 'capture files (pcap or pcapng, optionally gzip-compressed), - for standard input, directories or quoted patterns; NODE=FILE names the node a capture was taken on; each capture is judged at its own capture point')
      .option('--device <name>', 'the interface the capture was taken on (ens37, tunl0, vxlan.calico): on a tunnel device packets are already decapsulated; default: the pcapng interface name, the cooked header of -i any, the link type, the file name')
      .option('--capture-node <name>', 'the node the capture was taken on (also NODE=FILE); default: inferred, and the report says how')
      .option('--expect <file>', 'pinned expectations (result, pairs, findings, flows): exit 0 when the capture shows exactly them, 1 with a diff otherwise')
      .option('--write-expect <file>', 'write the expectations this capture shows, to pin them (- for standard output; the verdicts then go to stderr)'),
    ['table', 'json', 'junit'],
  )).action(async (captures: string[], opts: VerifyOptions & { read?: string[] }, cmd: Command) => {
    setExit(await runVerify(captureArgs(cmd, captures, opts.read), opts, io));
  });
  addModelOptions(
    program
      .command('correlate').addHelpText('after', examplesText('correlate'))
      .description('follow each inner packet across captures taken at the same time on several nodes: matched, lost, one-way latency, decapsulation')
      .argument('<captures...>', 'capture files, each optionally as NODE=FILE (the node it was taken on)')
      .addOption(shared.output(['table', 'json', 'ndjson']))
      .addOption(shared.formatAlias(['table', 'json', 'ndjson']))
      .addOption(shared.where())
      .addOption(shared.fileFilter())
      .addOption(shared.window('sightings of one inner packet further apart than this are different packets (2s, 500ms, 2m, 1h)'))
      .option('--window-packets <n>', 'most inner packets held in the window at once; when full, the oldest is judged early (with a warning)', parsePositive(50_000_000), DEFAULT_WINDOW_PACKETS)
      .addOption(shared.vxlanPort())
      .option('--fail-on-loss', 'exit 1 when a packet was lost between nodes or not decapsulated')
      .option('--own-span', "each capture covers only its own first to last packet (default: they were taken at the same time and all cover the whole span)")
      .addOption(shared.pods())
      .addOption(shared.noColor())
      .addOption(shared.debug()),
  ).action(async (captures: string[], opts: CorrelateCommandOptions) => {
    setExit(await runCorrelateCommand(captures, opts, io));
  });

  addModelOptions(
    program
      .command('report').addHelpText('after', examplesText('report'))
      .description('write one self-contained HTML report: the node graph coloured by encapsulation, flow tables with verdicts and findings, and the correlation of several captures')
      .argument('<captures...>', 'capture files, each optionally as NODE=FILE')
      .requiredOption('--html <file>', 'the HTML file to write (- for standard output)')
      .option('--title <text>', 'the report title')
      .addOption(shared.where())
      .addOption(shared.fileFilter())
      .addOption(shared.window('correlation window when several captures are given (2s, 500ms, 2m, 1h)'))
      .addOption(shared.vxlanPort())
      .addOption(shared.pods())
      .addOption(shared.debug()),
  ).action(async (captures: string[], opts: ReportCommandOptions) => {
    setExit(await runReportCommand(captures, opts, io));
  });

  const live = program
    .command('live').addHelpText('after', examplesText('live'))
    .description('capture on node interfaces (ens37, tunl0, vxlan.calico, any) through libpcap and report flows, and verdicts when a cluster model is given')
    .option('-i, --interface <name>', 'interface to capture on (repeatable; "any" for all)', collect, [])
    .option('-f, --filter <bpf>', "BPF capture filter, e.g. 'udp port 4789 or ip proto 4 or net 10.200.0.0/16'")
    .addOption(shared.where())
    .option('-s, --snaplen <bytes>', 'bytes kept of each packet', parsePositive(65535), 65535)
    .option('-c, --count <n>', 'stop after this many packets', parsePositive(Number.MAX_SAFE_INTEGER))
    .option('--duration <seconds>', 'stop after this many seconds', parsePositive(31_536_000))
    .option('-w, --write <file>', 'also write the packets: pcap (one interface) or pcapng (several, or a .pcapng name); flushed at least once a second; - for standard output (the report then goes to stderr)')
    .option('-U, --packet-buffered', 'flush the -w file after every packet (as tcpdump -U)')
    .option('--list-interfaces', 'list the interfaces libpcap can capture on, then exit')
    .addOption(shared.output(['table', 'json', 'ndjson', 'junit']))
    .addOption(shared.formatAlias(['table', 'json', 'ndjson', 'junit']))
    .addOption(shared.vxlanPort())
    .addOption(shared.maxFlows())
    .addOption(shared.maxTunnelDepth())
    .addOption(shared.pods())
    .addOption(shared.noColor())
    .addOption(shared.debug());
  addModelOptions(live).action(async (opts: LiveCommandOptions) => {
    setExit(await runLiveCommand(opts, io));
  });

  program
    .command('rbac').addHelpText('after', examplesText('rbac'))
    .description('print the ClusterRole and ClusterRoleBinding that --kube needs (list on nodes and on Calico\'s IP pools, block affinities, IPAM blocks, FelixConfiguration and Installation), to pipe into kubectl apply -f -')
    .option('--name <name>', 'name of the ClusterRole and of its binding', 'calico-pcap')
    .option('--serviceaccount <namespace:name>', `a ServiceAccount to bind (repeatable; default ${DEFAULT_SERVICE_ACCOUNT} when no subject is given)`, collect, [])
    .option('--user <name>', 'a user to bind (repeatable)', collect, [])
    .option('--group <name>', 'a group to bind (repeatable)', collect, [])
    .addOption(new Option('-o, --output <format>', 'output format: yaml, json').choices(['yaml', 'json']).default('yaml'))
    .action((opts: RbacOptions) => {
      setExit(runRbac(opts, io));
    });

  // Conventions every command keeps, checked before any work starts (bad usage is exit 2).
  program.hook('preAction', (_program, cmd) => {
    const o = cmd.opts();
    if (o.output !== undefined) cmd.setOptionValue('format', o.output);
    else if (o.format === undefined) cmd.setOptionValue('format', 'table');
    if (o.filter !== undefined && cmd.name() !== 'live') {
      cmd.error(`-f is a capture filter (BPF, as in tcpdump and dumpcap) and applies only to live; select packets of a file with -Y/--where EXPR; choose the output format with -o FORMAT`, { exitCode: EXIT_UNREADABLE, code: 'calico-pcap.usage' });
    }
  });
  return program;
}

/** The captures of analyze and verify: the arguments, then every -r FILE; at least one. */
function captureArgs(cmd: Command, args: string[], read: string[] | undefined): string[] {
  const captures = [...args, ...(read ?? [])];
  if (captures.length === 0) cmd.error(`missing capture: give a file, - for standard input, or -r FILE`, { exitCode: EXIT_UNREADABLE, code: 'calico-pcap.usage' });
  return captures;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: string[], given: CliIo = defaultIo()): Promise<number> {
  const io = safeStderr(given);
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => (code = c));
  if (argv.length === 0) {
    // No command at all is bad usage: the help goes to stderr, exit 2.
    io.stderr(program.helpInformation());
    return EXIT_UNREADABLE;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is bad usage.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT_OK;
      return EXIT_UNREADABLE;
    }
    return internalErrorCode(err, argv.includes('--debug'), io);
  }
  return code;
}

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs the process's command line: `calico-pcap` itself, and the kubectl plugin (src/kubectl-plugin.ts). */
export function runProcess(): void {
  installStdoutErrorHandler();
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // After Ctrl-C, a read still pending on a FIFO must not keep the process alive: exit once
    // stdout has taken the report.
    if (readWasInterrupted()) process.stdout.write('', () => process.exit(code));
  });
}

if (isEntryPoint()) runProcess();
