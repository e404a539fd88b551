// A real Chromium for the console's tests, driven by playwright-core: Debian's `chromium` package,
// installed by the test setup when missing (CI machines and these containers run as root), so a
// fresh clone's `npm test` needs nothing installed by hand. One browser per test file.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for a quiet, deterministic headless run inside a container (no sandbox without user namespaces). */
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Installs Debian's chromium when it is missing. Test files run in parallel: a lock directory lets
 * one of them install while the others wait for it.
 */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  const lock = join(tmpdir(), 'privacy-ops-chromium-install.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(CHROMIUM_PATH)) return;
      if (Date.now() > deadline) throw new Error(`waited too long for another process installing chromium (remove ${lock} if none is running)`);
      spawnSync('sleep', ['2']); // a synchronous wait for another process, not a test waiting on the system
    }
  }
  try {
    if (existsSync(CHROMIUM_PATH)) return;
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
    if (install.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
      install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
    }
    if (install.status !== 0 || !existsSync(CHROMIUM_PATH)) {
      throw new Error(`chromium is not at ${CHROMIUM_PATH} and apt-get could not install it (run as root, or set CHROMIUM_PATH)`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function launchBrowser(): Promise<Browser> {
  ensureChromium();
  // playwright gives the browser a fresh --user-data-dir of its own and adds --headless and --no-sandbox.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, chromiumSandbox: false, args: FLAGS, timeout: 120_000 });
}

/** A context with generous timeouts (the machine may be loaded); CSP bypassed only so axe-core can be injected. */
export async function newContext(browser: Browser, viewport = { width: 1100, height: 800 }): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, bypassCSP: true, reducedMotion: 'reduce' });
  context.setDefaultTimeout(60_000);
  context.setDefaultNavigationTimeout(60_000);
  return context;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and AA rules and best practices). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  // Page code as strings: it runs in the browser, and this project compiles without the DOM's types.
  if (!(await page.evaluate<boolean>("'axe' in window"))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate<AxeViolation[]>("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)");
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Where screenshots go: for review after a run (not committed), or `CONSOLE_SCREENSHOTS_DIR=docs/console` to refresh the README's. */
export function screenshotPath(name: string): string {
  const dir = process.env['CONSOLE_SCREENSHOTS_DIR'] ?? join('dist', 'console-screenshots');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${name}.png`);
}

/** True when nothing on the page is wider than the viewport (no sideways scrolling at a phone's width). */
export function fitsWidth(page: Page): Promise<{ fits: boolean; scrollWidth: number; width: number }> {
  return page.evaluate<{ fits: boolean; scrollWidth: number; width: number }>(
    '({ fits: document.documentElement.scrollWidth <= window.innerWidth, scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth })',
  );
}
