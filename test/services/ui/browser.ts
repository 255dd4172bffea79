// Headless Chromium for the dashboard's browser tests (TESTBED.md): the system's chromium driven by
// playwright-core, a fresh profile per test, every console error and page error collected, and
// screenshots saved under test-artifacts/ui/. Without chromium the suite skips, except under
// CI=true, where it fails (scripts/ensure-services.sh installs it).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.BATON_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/ui/', import.meta.url));

const missing = existsSync(CHROMIUM) ? undefined : `no chromium at ${CHROMIUM}`;
if (missing !== undefined && process.env.CI === 'true') {
  throw new Error(`${missing}; scripts/ensure-services.sh installs it (apt-get install -y chromium)`);
}

/** Options for `describe`: skipped (with the reason) when chromium is missing outside CI. */
export const needsChromium = missing === undefined ? {} : { skip: missing };

export interface BrowserPage {
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  problems: string[];
  /** Saves a full-page screenshot as test-artifacts/ui/NAME.png. */
  screenshot(name: string): Promise<void>;
}

/** Chromium with the flags TESTBED.md gives, on the profile folder `profile`. */
export function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export async function openBrowser(t: TestContext): Promise<BrowserPage> {
  const profile = mkdtempSync(join(tmpdir(), 'baton-chromium-'));
  const context = await launchChromium(profile);
  t.after(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    page,
    problems,
    screenshot: async (name) => {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
  };
}
