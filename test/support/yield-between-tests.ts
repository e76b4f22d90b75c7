// Many tests run the CLI with spawnSync, which blocks the test worker. Back to back, a file of
// them can block it for over a minute; vitest's answer to the worker's last report then waits
// behind the worker's own timeout ("Timeout calling onTaskUpdate", an unhandled error that fails
// the run). One turn of the event loop after each test lets those answers in.
import { afterEach } from 'vitest';

afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
