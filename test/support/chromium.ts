/**
 * Opens a local HTML file in the system Chromium (headless, through
 * playwright-core, a fresh profile, no network) and reports what went wrong
 * on the page: uncaught errors and console errors.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';

/** The Chromium binary the tests use. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why pages cannot be rendered here (skip with it), or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
}

/** What the page did. */
export interface RenderResult {
  /** Uncaught exceptions on the page. */
  pageErrors: string[];
  /** `console.error` messages (and failed resource loads). */
  consoleErrors: string[];
  /** The page's visible text (`document.body.innerText`) once loaded and after `interact`. */
  text: string;
}

/**
 * Loads `htmlPath` in headless Chromium, waits for the load event, runs
 * `interact` on the page (clicks, typing, DOM checks) if given, takes a
 * screenshot to `screenshotPath` if given, and closes the browser.
 */
export async function renderInChromium(
  htmlPath: string,
  screenshotPath?: string,
  interact?: (page: Page) => Promise<void>,
): Promise<RenderResult> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const result: RenderResult = { pageErrors: [], consoleErrors: [], text: '' };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => result.pageErrors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') result.consoleErrors.push(message.text());
    });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    if (interact !== undefined) await interact(page);
    result.text = await page.innerText('body');
    if (screenshotPath !== undefined) await page.screenshot({ path: screenshotPath, fullPage: true });
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  return result;
}
