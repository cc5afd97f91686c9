// Front-end numbers against a running Atelier, printed as JSON:
//   node scripts/bench.mjs BASE_URL [--runs N] [--query TEXT]
// - first page: the JavaScript the landing page loads, raw and gzipped
// - /explore: time from navigation to the first image and LoRA results (cold and warm), and
//   from a keystroke to refined results (debounce included)
// - axe-core: serious and critical violations on every page, signed out and signed in
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';

import { axeViolations, DESKTOP, launchBrowser, newContext, settle } from '../e2e/browser.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '5' }, query: { type: 'string', default: 'watercolor landscape' } },
});
const BASE = positionals[0];
if (!BASE) {
  console.error('usage: node scripts/bench.mjs BASE_URL [--runs N] [--query TEXT]');
  process.exit(2);
}
const RUNS = Number(values.runs);
const QUERY = values.query;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

// Records (relative to navigation start) when the first result of each kind is in the DOM.
const MARKS = () => {
  window.__marks = {};
  const seen = (name, selector) => {
    if (!window.__marks[name] && document.querySelector(selector)) window.__marks[name] = performance.now();
  };
  new MutationObserver(() => {
    seen('image', '[data-testid="image-card"]');
    seen('lora', '[data-testid="lora-card"]');
  }).observe(document, { childList: true, subtree: true });
};

const browser = await launchBrowser();
const out = { base: BASE, query: QUERY, runs: RUNS };

// 1. What the first page costs.
{
  const context = await newContext(browser, { baseURL: BASE, viewport: DESKTOP });
  const page = await context.newPage();
  const scripts = [];
  page.on('response', async (response) => {
    if (response.request().resourceType() === 'script' && response.url().startsWith(BASE)) {
      scripts.push(response.body().then((body) => ({ url: new URL(response.url()).pathname, body })));
    }
  });
  await page.goto('/');
  await settle(page);
  const files = await Promise.all(scripts);
  out.first_page = {
    files: files.map((f) => f.url),
    js_bytes: files.reduce((n, f) => n + f.body.length, 0),
    js_gzip_bytes: files.reduce((n, f) => n + gzipSync(f.body, { level: 9 }).length, 0),
  };
  await context.close();
}

// 2. Time to first results on /explore.
{
  const url = `/explore?q=${encodeURIComponent(QUERY)}`;
  const cold = [];
  const warm = [];
  const refine = [];
  for (let i = 0; i < RUNS; i += 1) {
    const context = await newContext(browser, { baseURL: BASE, viewport: DESKTOP });
    await context.addInitScript(MARKS);
    const page = await context.newPage();
    for (const [sink, label] of [[cold, 'cold'], [warm, 'warm']]) {
      await page.goto(url);
      await page.waitForFunction(() => window.__marks?.image && window.__marks?.lora, null, { timeout: 60_000 });
      const marks = await page.evaluate(() => window.__marks);
      sink.push({ image: marks.image, lora: marks.lora, both: Math.max(marks.image, marks.lora), label });
    }
    // Refine: add a word and time until the first result card is a different one.
    const firstId = await page.locator('[data-testid="image-card"]').first().getAttribute('data-id');
    const box = page.getByRole('searchbox', { name: 'Search images and LoRAs' });
    await box.focus();
    await page.keyboard.press('End');
    const started = await page.evaluate(() => performance.now());
    await page.keyboard.type(' boat', { delay: 0 });
    await page.waitForFunction(
      (id) => {
        const first = document.querySelector('[data-testid="image-card"]');
        return first && first.dataset.id !== id && !document.querySelector('.results__stale');
      },
      firstId,
      { timeout: 30_000 },
    ).catch(() => undefined);
    refine.push((await page.evaluate(() => performance.now())) - started);
    await context.close();
  }
  const summary = (xs, key) => ({ median_ms: Math.round(median(xs.map((x) => x[key]))), min_ms: Math.round(Math.min(...xs.map((x) => x[key]))) });
  out.explore = {
    cold_first_image: summary(cold, 'image'),
    cold_first_lora: summary(cold, 'lora'),
    cold_both: summary(cold, 'both'),
    warm_both: summary(warm, 'both'),
    refine_ms: { median_ms: Math.round(median(refine)), min_ms: Math.round(Math.min(...refine)) },
  };
}

// 3. axe-core on every page.
{
  const context = await newContext(browser, { baseURL: BASE, viewport: DESKTOP });
  const page = await context.newPage();
  const axe = {};
  const visit = async (name, path) => {
    await page.goto(path);
    await settle(page);
    axe[name] = await axeViolations(page);
  };
  await visit('landing', '/');
  await visit('login', '/login');
  await visit('register', '/register');
  await visit('explore', `/explore?q=${encodeURIComponent(QUERY)}`);
  const imageHref = await page.locator('a[href^="/images/"]').first().getAttribute('href');
  const loraHref = await page.locator('[data-testid="lora-card"] h3 a').first().getAttribute('href');
  await visit('image', imageHref);
  await visit('lora', loraHref);
  // Signed in: a throwaway account.
  const csrf = await (await page.request.get('/api/auth/csrf')).json();
  const username = `bench${Date.now().toString(36)}`;
  const registered = await page.request.post('/api/auth/register', {
    headers: { 'X-CSRF-Token': csrf.token },
    data: { username, password: 'benchmark harbor 2024' },
  });
  if (registered.ok()) {
    await visit('onboarding', '/home');
    await page.getByRole('button', { name: 'Skip for now' }).click().catch(() => undefined);
    await page.getByRole('heading', { name: /for you/i }).waitFor().catch(() => undefined);
    axe.home = (await settle(page), await axeViolations(page));
    // Like -> the feed changes, timed inside the page from the click to the first 12 cards
    // differing (the like is logged, the feed refetched and re-rendered).
    const feedChange = [];
    for (let i = 0; i < RUNS; i += 1) {
      await page.goto('/home');
      await page.locator('[aria-labelledby="feed-images-title"] [data-testid="image-card"]').first().waitFor();
      await settle(page);
      await page.evaluate(() => {
        const sel = '[aria-labelledby="feed-images-title"] [data-testid="image-card"]';
        const ids = () => [...document.querySelectorAll(sel)].slice(0, 12).map((c) => c.dataset.id).join(',');
        const before = ids();
        window.__feed = { clickedAt: null, changedAt: null };
        document.addEventListener('click', () => { window.__feed.clickedAt ??= performance.now(); }, { capture: true, once: true });
        new MutationObserver((_, o) => {
          if (window.__feed.clickedAt !== null && ids() !== before) {
            window.__feed.changedAt = performance.now();
            o.disconnect();
          }
        }).observe(document.body, { childList: true, subtree: true });
      });
      const liked = page.locator('[aria-labelledby="feed-images-title"] [data-testid="image-card"]').nth(i + 1);
      await liked.getByRole('button', { name: 'Like' }).click();
      const ms = await page
        .waitForFunction(() => window.__feed.changedAt && window.__feed.changedAt - window.__feed.clickedAt, null, { timeout: 5000 })
        .then((h) => h.jsonValue())
        .catch(() => null);
      if (ms !== null) feedChange.push(ms);
    }
    out.feed = {
      like_to_change: feedChange.length
        ? { median_ms: Math.round(median(feedChange)), min_ms: Math.round(Math.min(...feedChange)), changed: `${feedChange.length}/${RUNS}` }
        : { median_ms: null, min_ms: null, changed: `0/${RUNS}` },
    };
    await visit('favorites', '/favorites');
    await visit('collections', '/favorites?tab=collections');
    await visit('profile', '/profile');
  }
  out.axe = Object.fromEntries(Object.entries(axe).map(([k, v]) => [k, v.map((x) => `${x.id} (${x.impact})`)]));
  out.axe_pages = Object.keys(axe).length;
  out.axe_serious_or_critical = Object.values(axe).reduce((n, v) => n + v.length, 0);
  await context.close();
}

await browser.close();
console.log(JSON.stringify(out, null, 2));
