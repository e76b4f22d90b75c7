// Preloaded into the benchmarked CLI process (node --import) to report its
// peak RSS: on exit, writes {"maxRSS_kB": N} to $CALICO_PCAP_BENCH_RUSAGE.
// Measured from inside because Node cannot read a child's rusage.

import { writeFileSync } from 'node:fs';

const target = process.env.CALICO_PCAP_BENCH_RUSAGE;
if (target) {
  process.on('exit', () => {
    writeFileSync(target, JSON.stringify({ maxRSS_kB: process.resourceUsage().maxRSS }));
  });
}
