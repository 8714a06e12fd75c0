// Shared set-up of the browser tests: the loopback server and Debian's Chromium, driven by
// playwright-core. Chromium is found at $CHROMIUM or /usr/bin/chromium (web/scripts/ci-setup.sh
// installs it); the flags keep it off the network this machine does not have.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serve } from '../../scripts/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** missing says why the browser tests cannot run here, or '' when they can. */
export function missing() {
  if (!existsSync(executablePath)) return `no Chromium at ${executablePath}: run web/scripts/ci-setup.sh`;
  for (const m of ['seminar.wasm', 'seminar-scalar.wasm']) {
    if (!existsSync(path.join(root, 'bin', m))) return `bin/${m} is missing: run ./build.sh wasm`;
  }
  return '';
}

/**
 * open starts the server and a browser with a fresh profile, and returns a page on the blank
 * test page plus close(). Console errors of the page are collected in `errors`.
 */
export async function open() {
  const server = await serve();
  const profile = mkdtempSync(path.join(tmpdir(), 'seminar-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath, args: FLAGS, headless: true, viewport: { width: 1280, height: 900 } });
  // Waits end when the page gets there, however long that takes; the bound only stops a hang,
  // and a loaded 2-core machine can take long to fetch and compile the module.
  context.setDefaultTimeout(180_000);
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/web/test/browser/pages/blank.html`);
  return {
    page, context, errors, url: server.url,
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** outDir returns the project's out/ folder, made if needed. */
export function outDir() {
  const dir = path.join(root, 'out');
  mkdirSync(dir, { recursive: true });
  return dir;
}
