// Locating the shared corpus of third-party captures and reading its tshark oracle files.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const CORPUS_ROOT = resolve(process.env.CALICO_PCAP_CORPUS ?? join(__dirname, '..', '..', '..', 'shared', 'corpus'));
export const corpusPresent = existsSync(CORPUS_ROOT);

export interface CorpusCapture {
  /** Path relative to the corpus root, e.g. tcpdump/vxlan.pcap */
  name: string;
  path: string;
  tsharkExit: number;
  tsharkStatus: string;
  /** Oracle rows: the nodefrag variant where present (we do not reassemble). */
  rows: OracleRow[];
}

export interface OracleRow {
  frame: number;
  encapType: string;
  ipSrc: string[];
  ipDst: string[];
  vxlanVni: number[];
  ipv6Src: string[];
  ipv6Dst: string[];
  geneveVni: number[];
  protocols: string[];
}

function list(s: string | undefined): string[] {
  return s ? s.split(',').filter((x) => x !== '') : [];
}

export function parseOracle(text: string): OracleRow[] {
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const c = line.split('\t');
      return {
        frame: Number(c[0]),
        encapType: c[1] ?? '',
        ipSrc: list(c[2]),
        ipDst: list(c[3]),
        vxlanVni: list(c[7]).map(Number),
        ipv6Src: list(c[8]),
        ipv6Dst: list(c[9]),
        geneveVni: list(c[10]).map((v) => Number(v)),
        protocols: (c[11] ?? '').split(':').filter((x) => x !== ''),
      };
    });
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(pcap|pcapng|cap)$/.test(entry)) out.push(p);
  }
}

export function corpusCaptures(): CorpusCapture[] {
  if (!corpusPresent) return [];
  const files: string[] = [];
  walk(CORPUS_ROOT, files);
  return files.map((path) => {
    const status = existsSync(`${path}.tshark.status`) ? readFileSync(`${path}.tshark.status`, 'utf8') : 'exit=0';
    const nodefrag = `${path}.tshark.nodefrag.tsv`;
    const oracle = existsSync(nodefrag) ? nodefrag : `${path}.tshark.tsv`;
    return {
      name: relative(CORPUS_ROOT, path),
      path,
      tsharkExit: Number(/exit=(\d+)/.exec(status)?.[1] ?? 0),
      tsharkStatus: status.trim(),
      rows: existsSync(oracle) ? parseOracle(readFileSync(oracle, 'utf8')) : [],
    };
  });
}
