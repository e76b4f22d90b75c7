// `--kube`: the model's objects read live from the API server, with the user's kubeconfig resolved
// as kubectl resolves it, then fed to the same ModelBuilder path as exported YAML (sources.ts
// addKubeObjects), so a verdict cannot depend on how the objects arrived.
//
// What is read is KUBE_MODEL_RESOURCES (kube-resources.ts), each with a paginated list (limit and
// continue, as kubectl's --chunk-size and client-go's pager do), all within one deadline
// (--request-timeout) that also covers credential plugins and servers that accept the connection
// and never answer. Every failure is a one-line ModelError naming the server, the context and why.
//
// @kubernetes/client-node is imported only here and only when --kube is used: loading it costs
// ~0.6 s, which `calico-pcap --version` and `analyze` must not pay.
import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig, KubeConfig as KubeConfigType } from '@kubernetes/client-node';
import { KUBE_MODEL_RESOURCES, listPath, qualifiedResource, type KubeResource } from './kube-resources.js';
import { ModelError } from './model-error.js';

/** kubectl's default --chunk-size: objects per list page. */
export const DEFAULT_CHUNK_SIZE = 500;
/** The default --request-timeout for the whole read, in seconds (kubectl's own default is none). */
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
/** One list page of a real 5,000-node cluster's Nodes is well under this; more is not a list page. */
const MAX_PAGE_BYTES = 64 << 20;
/** All pages together (node lists of the biggest clusters are ~50 MB as JSON). */
const MAX_TOTAL_BYTES = 256 << 20;

export interface KubeReadOptions {
  /** --kubeconfig FILE: only this file (KUBECONFIG and ~/.kube/config are then not read). */
  kubeconfig?: string;
  /** --context NAME instead of the kubeconfig's current-context. */
  context?: string;
  /** --request-timeout in seconds; 0: no deadline. */
  timeoutSeconds: number;
  /** Objects per list page (kubectl's --chunk-size); default 500. */
  chunkSize?: number;
  /** The environment to resolve KUBECONFIG, HOME and the in-cluster variables from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /**
   * Prefix of the service-account directory /var/run/secrets/kubernetes.io/serviceaccount for the
   * in-cluster config (client-node's loadFromCluster(pathPrefix)); tests point it at a temporary
   * directory. Default: CALICO_PCAP_SERVICEACCOUNT_PREFIX from the environment, else ''.
   */
  serviceAccountPrefix?: string;
}

export interface KubeRead {
  /** "kube context kube-lab", or "kube in-cluster": the source label of every object read. */
  label: string;
  /** The API server URL. */
  server: string;
  /** Where the configuration came from: "--kubeconfig FILE", "KUBECONFIG a:b", "~/.kube/config", "in-cluster". */
  config: string;
  /** Every object read, each with its kind and apiVersion set, in KUBE_MODEL_RESOURCES order. */
  objects: Record<string, unknown>[];
  /** List requests made (pages), for the record and to prove pagination. */
  requests: number;
}

interface Resolved {
  kc: KubeConfig;
  config: string;
  label: string;
}

const SERVICEACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The kubeconfig as kubectl finds it (k8s.io/client-go tools/clientcmd loader.go and
 * client_config.go): --kubeconfig alone; else every file of KUBECONFIG merged (missing ones
 * skipped, the first file that sets a value wins, current-context too); else ~/.kube/config;
 * else, inside a pod (KUBERNETES_SERVICE_HOST and _PORT set, a service-account token), the
 * in-cluster config. Then --context replaces the current context.
 */
function resolveConfig(opts: KubeReadOptions, KubeConfig: typeof KubeConfigType): Resolved {
  const env = opts.env ?? process.env;
  const load = (file: string): KubeConfig => {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'a directory, not a file' : oneLine(err);
      throw new ModelError(`kubeconfig ${file}: ${why}`);
    }
    return kc;
  };
  let kc: KubeConfig;
  let config: string;
  const kubeconfigEnv = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f !== '');
  const home = env.HOME ?? homedir();
  const prefix = opts.serviceAccountPrefix ?? env.CALICO_PCAP_SERVICEACCOUNT_PREFIX ?? '';
  if (opts.kubeconfig !== undefined) {
    kc = load(opts.kubeconfig);
    config = `--kubeconfig ${opts.kubeconfig}`;
  } else if (kubeconfigEnv.length > 0) {
    const present = kubeconfigEnv.filter((f) => existsSync(f));
    if (present.length === 0) throw new ModelError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
    kc = mergeFirstWins(present.map(load), KubeConfig);
    config = `KUBECONFIG ${present.join(delimiter)}`;
  } else if (existsSync(join(home, '.kube', 'config'))) {
    kc = load(join(home, '.kube', 'config'));
    config = join(home, '.kube', 'config');
  } else if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(`${prefix}${SERVICEACCOUNT_TOKEN}`)) {
    // client-node reads KUBERNETES_SERVICE_HOST/_PORT from process.env itself.
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
    process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
    try {
      kc = new KubeConfig();
      kc.loadFromCluster(prefix);
    } finally {
      restoreEnv('KUBERNETES_SERVICE_HOST', saved.host);
      restoreEnv('KUBERNETES_SERVICE_PORT', saved.port);
    }
    return { kc, config: `in-cluster (service account ${prefix}${SERVICEACCOUNT_TOKEN.replace(/\/token$/, '')})`, label: 'kube in-cluster' };
  } else {
    throw new ModelError(`--kube found no kubeconfig: give --kubeconfig FILE, set KUBECONFIG, create ${join(home, '.kube', 'config')}, or run in a pod with a service account`);
  }
  const contexts = kc.getContexts().map((c) => c.name);
  const listed = contexts.length > 0 ? `its contexts: ${contexts.join(', ')}` : 'it has no contexts';
  if (opts.context !== undefined) {
    if (kc.getContextObject(opts.context) === null) throw new ModelError(`context "${opts.context}" is not in the kubeconfig (${config}); ${listed}`);
    kc.setCurrentContext(opts.context);
  } else if (!kc.getCurrentContext()) {
    throw new ModelError(`the kubeconfig (${config}) has no current-context: give --context NAME (${listed})`);
  } else if (kc.getContextObject(kc.getCurrentContext()) === null) {
    throw new ModelError(`the current-context "${kc.getCurrentContext()}" is not in the kubeconfig (${config}); ${listed}`);
  }
  const context = kc.getCurrentContext();
  if (kc.getCurrentCluster() === null) throw new ModelError(`context "${context}" of the kubeconfig (${config}) names cluster "${kc.getContextObject(context)?.cluster}", which it does not define`);
  return { kc, config, label: `kube context ${context}` };
}

function restoreEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

/** client-go's merge of KUBECONFIG files: the first file to set a name or current-context wins. */
function mergeFirstWins(configs: KubeConfig[], Ctor: typeof KubeConfig): KubeConfig {
  const merged = new Ctor();
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists) for (const item of list) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  merged.loadFromOptions({
    clusters: firstByName(configs.map((c) => c.getClusters())),
    users: firstByName(configs.map((c) => c.getUsers())),
    contexts: firstByName(configs.map((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find((c) => !!c) ?? '',
  });
  return merged;
}

function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

/** "30s", "1m30s", "500ms": the timeout as the user would write it. */
function formatSeconds(seconds: number): string {
  return seconds < 1 ? `${Math.round(seconds * 1000)}ms` : `${Number(seconds.toFixed(3))}s`;
}

/** Why a connection failed, in a few words (Node's error codes, TLS ones from OpenSSL). */
function reachReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return `host not found (${err.code})`;
    case 'ECONNRESET': return 'connection reset by the server';
    case 'EHOSTUNREACH': case 'ENETUNREACH': return 'no route to host';
    case 'ETIMEDOUT': return 'connection timed out';
    case 'EPIPE': return 'connection closed by the server';
  }
  if (err.code !== undefined && /CERT|SIGNATURE|SSL|TLS|EPROTO|ISSUER|KEY/.test(err.code)) return `TLS: ${oneLine(err)} (${err.code})`;
  return oneLine(err);
}

interface Page {
  status: number;
  body: unknown;
  /** The body was not JSON (a proxy's HTML page, say): its first bytes. */
  text?: string;
}

class Deadline {
  readonly controller = new AbortController();
  expired = false;
  private readonly timer: NodeJS.Timeout | undefined;
  constructor(readonly seconds: number) {
    if (seconds > 0) {
      this.timer = setTimeout(() => {
        this.expired = true;
        this.controller.abort();
      }, seconds * 1000);
    }
  }
  /** Settles with `work`, or rejects when the deadline passes first (a credential plugin that hangs). */
  race<T>(work: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(new Error('aborted'));
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}

/** Reads every KUBE_MODEL_RESOURCES list from the cluster the kubeconfig names. */
export async function readKubeObjects(opts: KubeReadOptions): Promise<KubeRead> {
  // Loading the library is not part of the read: the deadline starts after it.
  const { KubeConfig } = await import('@kubernetes/client-node');
  const deadline = new Deadline(opts.timeoutSeconds);
  try {
    const resolved = resolveConfig(opts, KubeConfig);
    const server = resolved.kc.getCurrentCluster()!.server.replace(/\/+$/, '');
    const where = `${server} (${resolved.label}, ${resolved.config})`;
    const timedOut = () => new ModelError(`the API server ${where} did not answer within ${formatSeconds(opts.timeoutSeconds)} (--request-timeout)`);
    const request: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json', 'User-Agent': 'calico-pcap' } };
    try {
      await deadline.race(resolved.kc.applyToHTTPSOptions(request));
    } catch (err) {
      if (deadline.expired) throw timedOut();
      throw new ModelError(`the credentials of ${resolved.label} (${resolved.config}) could not be used: ${oneLine(err)}`);
    }
    const reader = new ListReader(server, request, deadline, opts.chunkSize ?? DEFAULT_CHUNK_SIZE);
    // The lists are read at the same time (each page after page); the first failure in
    // KUBE_MODEL_RESOURCES order is the one reported, so the message does not depend on timing.
    const stopOthers = (err: unknown) => {
      // The first failure stops the other lists at once (they would only wait for the deadline).
      if (!(err instanceof Aborted)) deadline.controller.abort();
      throw err;
    };
    const settled = await Promise.allSettled(KUBE_MODEL_RESOURCES.map((r) => reader.listAll(r).catch(stopOthers)));
    (request.agent as http.Agent | undefined)?.destroy();
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected' && !(s.reason instanceof Aborted));
    if (failure) throw explain(failure.reason, resolved, server, where);
    if (deadline.expired) throw timedOut();
    const objects = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
    return { label: resolved.label, server, config: resolved.config, objects, requests: reader.requests };
  } finally {
    deadline.clear();
  }
}

/** A list that was stopped because another failed first (or the deadline passed). */
class Aborted extends Error {}

class HttpFailure extends Error {
  constructor(readonly resource: KubeResource, readonly status: number, readonly body: unknown, readonly text: string | undefined) {
    super(`${status}`);
  }
}

class ReachFailure extends Error {
  constructor(readonly reason: NodeJS.ErrnoException) {
    super(reason.message);
  }
}

class ListReader {
  requests = 0;
  private totalBytes = 0;
  constructor(private readonly server: string, private readonly request: https.RequestOptions, private readonly deadline: Deadline, private readonly chunkSize: number) {}

  /** Every object of one resource, page by page; [] for an optional resource the server does not serve. */
  async listAll(r: KubeResource): Promise<Record<string, unknown>[]> {
    const objects: Record<string, unknown>[] = [];
    const apiVersion = r.group === '' ? r.version : `${r.group}/${r.version}`;
    let token = '';
    let limit: number | null = this.chunkSize;
    for (;;) {
      const query = new URLSearchParams();
      if (limit !== null) query.set('limit', String(limit));
      if (token !== '') query.set('continue', token);
      const q = query.toString();
      const page = await this.get(`${listPath(r)}${q ? `?${q}` : ''}`);
      if (page.status === 404 && r.optional) return [];
      // An expired continue token (410 Gone): client-go's pager then lists everything at once.
      if (page.status === 410 && token !== '') {
        objects.length = 0;
        token = '';
        limit = null;
        continue;
      }
      if (page.status !== 200) throw new HttpFailure(r, page.status, page.body, page.text);
      const body = page.body as { items?: unknown; metadata?: { continue?: unknown } } | null;
      if (body === null || typeof body !== 'object' || !Array.isArray(body.items)) throw new HttpFailure(r, page.status, page.body, page.text ?? 'a list without items');
      for (const item of body.items) {
        if (typeof item === 'object' && item !== null && !Array.isArray(item)) objects.push({ ...(item as Record<string, unknown>), kind: r.kind, apiVersion });
      }
      const next = body.metadata?.continue;
      if (typeof next !== 'string' || next === '') return objects;
      token = next;
    }
  }

  private get(path: string): Promise<Page> {
    const signal = this.deadline.controller.signal;
    if (signal.aborted) return Promise.reject(new Aborted());
    this.requests++;
    const url = new URL(`${this.server}${path}`);
    const client = url.protocol === 'http:' ? http : https;
    return new Promise<Page>((resolve, reject) => {
      const req = client.request(url, { ...this.request, signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          this.totalBytes += chunk.length;
          if (size > MAX_PAGE_BYTES || this.totalBytes > MAX_TOTAL_BYTES) {
            req.destroy(new Error(`the answer to GET ${path} is more than ${(size > MAX_PAGE_BYTES ? MAX_PAGE_BYTES : MAX_TOTAL_BYTES) >> 20} MiB`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: null, text: text.slice(0, 200) });
          }
        });
        res.on('error', (err) => reject(signal.aborted ? new Aborted() : new ReachFailure(err)));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // Once one list failed the others are aborted: those errors are not the cause.
        reject(signal.aborted ? new Aborted() : new ReachFailure(err));
      });
      req.end();
    });
  }
}

/** The API server's Status message ("... is forbidden: User \"x\" cannot list ..."), if any. */
function statusMessage(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string') return oneLine((body as { message: string }).message);
  return undefined;
}

function explain(err: unknown, resolved: Resolved, server: string, where: string): Error {
  if (err instanceof ReachFailure) return new ModelError(`cannot reach the API server ${where}: ${reachReason(err.reason)}`);
  if (!(err instanceof HttpFailure)) return err instanceof Error ? err : new Error(String(err));
  const what = qualifiedResource(err.resource);
  const message = statusMessage(err.body);
  if (err.status === 401) {
    return new ModelError(`the API server ${server} refused the credentials of ${resolved.label} (${resolved.config}): unauthorized (401)${message && message !== 'Unauthorized' ? `: ${message}` : ''}`);
  }
  if (err.status === 403) {
    // kube-apiserver's RBAC denial: `<resource> is forbidden: User "<name>" cannot list resource ...`.
    const user = /User "([^"]*)"/.exec(message ?? '')?.[1];
    return new ModelError(`the API server refused to list ${what} for ${user ?? `the user of ${resolved.label}`} (forbidden); calico-pcap rbac prints the role --kube needs`);
  }
  if (err.status === 404 && err.resource.group !== '') {
    return new ModelError(`Calico's CRDs are not installed on this cluster (${what}: 404 from ${server})`);
  }
  const detail = message ?? (err.text !== undefined ? `not a Kubernetes Status: ${JSON.stringify(err.text)}` : '');
  return new ModelError(`the API server ${where} answered ${err.status} to the list of ${what}${detail ? `: ${detail}` : ''}`);
}
