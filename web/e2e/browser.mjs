// Debian's Chromium driven by playwright-core: no browser downloads. Each launch gets a fresh
// profile (user-data dir); the Civitai CDN is unreachable, as in tests, so cards show BlurHashes.
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.ATELIER_CHROMIUM ?? '/usr/bin/chromium';
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };
export const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** A context at a viewport whose requests outside the app fail fast, as offline. */
export async function newContext(browser, { baseURL, viewport = DESKTOP, colorScheme = 'dark' }) {
  const context = await browser.newContext({ baseURL, viewport, colorScheme, deviceScaleFactor: 1 });
  const origin = new URL(baseURL).origin;
  await context.route(
    (url) => url.origin !== origin,
    (route) => route.abort('internetdisconnected'),
  );
  return context;
}

const NOISE = /ERR_INTERNET_DISCONNECTED|status of 401|status of 404/;

/** Collect console errors and uncaught exceptions that are not expected offline noise. */
export function watchErrors(page, sink) {
  page.on('console', (m) => {
    if (m.type() === 'error' && !NOISE.test(m.text())) sink.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => sink.push(`page error: ${e.message}`));
}

/** axe-core's serious and critical violations on the current page. */
export async function axeViolations(page) {
  await page.addScriptTag({ path: AXE_PATH });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.length,
      target: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Wait until the network is quiet and images have painted their placeholders. */
export async function settle(page) {
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(150);
}
