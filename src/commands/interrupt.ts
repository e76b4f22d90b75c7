// Ctrl-C while a capture is read (`tcpdump -w - | calico-pcap analyze -`: the shell sends SIGINT
// to the whole pipeline) stops the read, and the report covers every packet read before it, as
// tshark does. A second Ctrl-C, or one after the read, ends the process at once (the default).
export interface InterruptWatch {
  readonly signal: AbortSignal;
  /** Stops listening: from then on SIGINT ends the process again. */
  dispose(): void;
}

let interrupted = false;

/**
 * A read was stopped by SIGINT in this process. The entry point then exits once the report is
 * written: a FIFO or device read may still be pending in libuv's thread pool (a writer that holds
 * the FIFO open and sends nothing), and would keep the process alive.
 */
export function readWasInterrupted(): boolean {
  return interrupted;
}

export function stopReadOnSigint(): InterruptWatch {
  const controller = new AbortController();
  const onSigint = () => {
    interrupted = true;
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener('SIGINT', onSigint) };
}

/** The warning after an interrupted read: the report covers the packets before it. */
export function interruptedLine(file: string, packets: number, done: 'analysed' | 'correlated'): string {
  return `calico-pcap: ${file}: interrupted (SIGINT): read stopped; ${packets} packets before it were ${done}\n`;
}
