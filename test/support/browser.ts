// A real headless browser for the HTML report tests: Debian's Chromium driven through
// playwright-core (which downloads no browser of its own). CI installs both; elsewhere the tests
// that need it are skipped with the reason given by browserUnavailable().
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags for a quiet, offline-friendly browser: nothing fetched behind the page's back. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

type Playwright = typeof import('playwright-core');

async function loadPlaywright(): Promise<Playwright | string> {
  try {
    return await import('playwright-core');
  } catch (err) {
    return `playwright-core cannot be loaded (${(err as Error).message.split('\n')[0]}): npm install --save-dev playwright-core`;
  }
}

/** Why the browser tests cannot run here, or null when they can. */
export async function browserUnavailable(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
  const pw = await loadPlaywright();
  return typeof pw === 'string' ? pw : null;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a fresh user-data directory, removed again by close(). */
export async function launchBrowser(): Promise<Browser> {
  const pw = await loadPlaywright();
  if (typeof pw === 'string') throw new Error(pw);
  const userDataDir = mkdtempSync(join(tmpdir(), 'calico-pcap-chromium-'));
  const context = await pw.chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    timeout: 60_000,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
