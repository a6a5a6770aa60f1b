// The browser tests' harness: Debian's chromium (installed by test/setup/system-deps.mjs) driven
// headless by playwright-core, a page that records every console error and uncaught exception so a
// test can demand there were none, and screenshots saved where the README can show them.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { repo_root } from '../integration/e2e-harness.ts';

/** Where chromium is, unless MESO_CHROMIUM names another. */
const chromium_path = process.env.MESO_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Where screenshots go: out/screenshots by default (not tracked), docs/screenshots when the README's
 * pictures are to be refreshed (`MESO_SCREENSHOTS_DIR=docs/screenshots`).
 */
const screenshots_dir = join(repo_root, process.env.MESO_SCREENSHOTS_DIR ?? join('out', 'screenshots'));

/** Starts headless chromium; a clear error when it is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(chromium_path)) {
    throw new Error(
      `chromium is not at ${chromium_path}: install it (sudo apt-get install -y chromium) or set MESO_CHROMIUM`,
    );
  }
  return chromium.launch({
    executablePath: chromium_path,
    headless: true,
    // As root (a container, CI) chromium refuses its sandbox; the pages it opens are the project's own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}

/** A page and the errors it has logged so far. */
export interface WatchedPage {
  readonly page: Page;
  /** Console errors and uncaught exceptions, in order. */
  readonly errors: string[];
}

/** Opens a page of `browser` at `url`, recording its errors. */
export async function openPage(browser: Browser, url: string): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`exception: ${error.message}`));
  page.setDefaultTimeout(15_000);
  await page.goto(url);
  return { page, errors };
}

/** Saves a screenshot of the page as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshots_dir, { recursive: true });
  await page.screenshot({ path: join(screenshots_dir, `${name}.png`) });
}
