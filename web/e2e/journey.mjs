// The end-to-end journey against a running Atelier, in Debian's Chromium:
//   node e2e/journey.mjs BASE_URL [--shots DIR] [--report FILE]
// register, onboarding, log out and in, search, filter, image -> its LoRA, save and like, the feed
// reacting, favorites and a collection, a blocked tag vanishing, private pages closed after
// logout. Every page is checked with axe-core (serious and critical violations fail the run);
// with --shots, each page is captured at desktop (1280) and phone (390) widths.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  axeViolations,
  DESKTOP,
  launchBrowser,
  newContext,
  PHONE,
  settle,
  watchErrors,
} from './browser.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { shots: { type: 'string' }, report: { type: 'string' } },
});
const BASE = positionals[0];
if (!BASE) {
  console.error('usage: node e2e/journey.mjs BASE_URL [--shots DIR] [--report FILE]');
  process.exit(2);
}
const SHOTS = values.shots;
if (SHOTS) mkdirSync(SHOTS, { recursive: true });

const report = { base: BASE, steps: [], axe: {}, errors: [], notes: [] };
const WAIT = 20_000;
const SEARCH_WAIT = 90_000;

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const browser = await launchBrowser();
const desktop = await newContext(browser, { baseURL: BASE, viewport: DESKTOP });
await desktop.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(BASE).origin });
const page = await desktop.newPage();
page.setDefaultTimeout(WAIT);
watchErrors(page, report.errors);
const phone = SHOTS ? await newContext(browser, { baseURL: BASE, viewport: PHONE }) : null;
const phonePage = phone ? await phone.newPage() : null;
if (phonePage) watchErrors(phonePage, report.errors);

async function step(name, fn) {
  const started = performance.now();
  try {
    const detail = await fn();
    const ms = Math.round(performance.now() - started);
    report.steps.push({ name, ok: true, ms, ...(detail ? { detail } : {}) });
    console.log(`ok   ${name} (${ms} ms)${detail ? `: ${JSON.stringify(detail)}` : ''}`);
  } catch (error) {
    report.steps.push({ name, ok: false, error: String(error?.message ?? error) });
    console.error(`FAIL ${name} at ${page.url()}\n     ${error?.message ?? error}`);
    if (SHOTS) await page.screenshot({ path: join(SHOTS, 'failure.png'), fullPage: true }).catch(() => undefined);
    throw error;
  }
}

/** Check the page with axe, capture it at both widths. */
async function shot(name) {
  await settle(page);
  const violations = await axeViolations(page);
  report.axe[name] = violations;
  if (!SHOTS) return;
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await phone.clearCookies();
  await phone.addCookies(await desktop.cookies());
  await phonePage.goto(new URL(page.url()).pathname + new URL(page.url()).search);
  await settle(phonePage);
  await phonePage.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
}

const imageCards = (scope) => scope.locator('[data-testid="image-card"]');
const loraCards = (scope) => scope.locator('[data-testid="lora-card"]');
const header = page.locator('header.header');
const user = `journey${Date.now().toString(36)}`;
const password = 'harbor lights at dusk 42';
const state = {};

try {
  await step('landing explains Atelier and offers search and sign-up', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: /find the look/i }).waitFor();
    await page.getByRole('search').getByRole('searchbox').waitFor();
    await shot('landing');
  });

  await step('register with clear validation', async () => {
    await header.getByRole('link', { name: 'Sign up' }).click();
    await page.waitForURL('**/register');
    await page.getByLabel('Username').fill('ab');
    await page.getByLabel('Password', { exact: true }).focus();
    await page.getByText('Use 3 to 32 characters.').waitFor();
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Confirm password').fill(`${password}!`);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('The passwords do not match.').waitFor();
    await page.getByLabel('Confirm password').fill(password);
    await shot('register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL('**/home');
    return { user };
  });

  await step('onboarding picks styles, tags and base models', async () => {
    await page.getByRole('heading', { name: 'What do you like to make?' }).waitFor();
    await shot('onboarding');
    const styles = page.getByRole('group', { name: 'Styles' }).getByRole('button');
    await styles.nth(2).click();
    await styles.nth(3).click();
    await page.getByRole('group', { name: 'Tags' }).getByRole('button', { name: 'landscape', exact: true }).click();
    await page.getByRole('group', { name: 'Base models' }).getByRole('button', { name: 'SD 1.5', exact: true }).click();
    await page.getByRole('button', { name: /start my feed \(4 picked\)/i }).click();
    await page.getByRole('heading', { name: new RegExp(`for you, ${user}`, 'i') }).waitFor();
    const feed = page.getByRole('region', { name: 'Images for you' });
    await imageCards(feed).first().waitFor({ timeout: SEARCH_WAIT });
    const reasons = await feed.getByTestId('reason').allTextContents();
    check(reasons.length > 0, 'feed cards carry no reason');
    await shot('home');
    return { reasons: [...new Set(reasons)].slice(0, 3) };
  });

  await step('log out from the header, then log in again', async () => {
    await header.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await header.getByRole('link', { name: 'Log in' }).waitFor();
    await header.getByRole('link', { name: 'Log in' }).click();
    await page.waitForURL('**/login');
    await page.getByLabel('Username').fill(user);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await shot('login');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/home');
  });

  await step('search by description: images and LoRAs side by side', async () => {
    await header.getByRole('link', { name: 'Explore' }).click();
    await page.waitForURL('**/explore');
    const started = Date.now();
    await page.getByRole('searchbox', { name: 'Search images and LoRAs' }).fill('watercolor landscape');
    await page.waitForURL(/q=watercolor/);
    const images = page.getByRole('region', { name: /^Images/ });
    const loras = page.getByRole('region', { name: /^LoRAs/ });
    await imageCards(images).first().waitFor({ timeout: SEARCH_WAIT });
    await loraCards(loras).first().waitFor({ timeout: SEARCH_WAIT });
    const msToResults = Date.now() - started;
    const counts = { images: await imageCards(images).count(), loras: await loraCards(loras).count() };
    check(counts.images > 0 && counts.loras > 0, `expected both kinds, got ${JSON.stringify(counts)}`);
    await shot('explore');
    return { ...counts, ms_to_results: msToResults };
  });

  await step('filter by base model refines the results', async () => {
    await page.getByLabel('Base model').selectOption('SD 1.5');
    await page.waitForURL(/base_model=SD/);
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    const images = page.getByRole('region', { name: /^Images/ });
    await imageCards(images).first().waitFor({ timeout: SEARCH_WAIT });
    state.searchUrl = page.url();
    return { images: await imageCards(images).count() };
  });

  await step('open an image: prompt, settings, LoRAs used', async () => {
    const hrefs = await page
      .getByRole('region', { name: /^Images/ })
      .locator('a[href^="/images/"]')
      .evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    check(hrefs.length > 0, 'no image links in the results');
    let found = null;
    for (const href of hrefs.slice(0, 12)) {
      await page.goto(href);
      await page.getByRole('heading', { level: 1 }).waitFor();
      const withLora = (await page.locator('[data-testid="lora-used"]').count()) > 0;
      const withPrompt = (await page.getByRole('heading', { name: 'Prompt', exact: true }).count()) > 0;
      if (withLora && withPrompt) {
        found = href;
        break;
      }
    }
    check(found, 'none of the first results has both a prompt and a LoRA used');
    state.imageId = Number(found.split('/').pop());
    await page.getByRole('heading', { name: 'Prompt', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Copy prompt' }).click();
    await page.getByRole('button', { name: 'Copied' }).first().waitFor();
    await shot('image');
    return { image: state.imageId };
  });

  await step('save and like the image', async () => {
    const actions = page.getByRole('group', { name: 'Actions for this image' });
    await actions.getByRole('button', { name: 'Save image' }).click();
    await actions.getByRole('button', { name: 'Saved', pressed: true }).waitFor();
    await actions.getByRole('button', { name: 'Like', exact: true }).click();
    await actions.getByRole('button', { name: 'Liked', pressed: true }).waitFor();
  });

  await step('open the LoRA it used, and save it', async () => {
    const link = page.locator('[data-testid="lora-used"] a').first();
    state.loraName = (await link.textContent())?.trim();
    await link.click();
    await page.waitForURL('**/loras/*');
    state.loraId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.getByRole('heading', { level: 1, name: state.loraName }).waitFor();
    await page.getByRole('heading', { name: 'Trigger words' }).waitFor();
    state.loraTags = await page.locator('.tag-links a').allTextContents();
    const actions = page.getByRole('group', { name: 'Actions for this LoRA' });
    await actions.getByRole('button', { name: 'Save LoRA' }).click();
    await actions.getByRole('button', { name: 'Saved', pressed: true }).waitFor();
    await shot('lora');
    return { lora: state.loraId, tags: state.loraTags.slice(0, 5) };
  });

  // Times a feed change inside the page: from the click's event to the first 12 cards differing.
  const FEED_CARDS = '[aria-labelledby="feed-images-title"] [data-testid="image-card"]';
  const armFeedTimer = () =>
    page.evaluate((selector) => {
      const ids = () => [...document.querySelectorAll(selector)].slice(0, 12).map((c) => c.dataset.id).join(',');
      const before = ids();
      window.__feed = { before, clickedAt: null, changedAt: null };
      document.addEventListener('click', () => { window.__feed.clickedAt ??= performance.now(); }, { capture: true, once: true });
      new MutationObserver((_, observer) => {
        if (window.__feed.clickedAt !== null && ids() !== before) {
          window.__feed.changedAt = performance.now();
          observer.disconnect();
        }
      }).observe(document.body, { childList: true, subtree: true });
    }, FEED_CARDS);
  const feedChangeMs = async () => {
    await page.waitForFunction(() => window.__feed.changedAt !== null, null, { timeout: 5000 });
    return page.evaluate(() => Math.round(window.__feed.changedAt - window.__feed.clickedAt));
  };

  await step('like in the feed: it changes without a reload', async () => {
    await header.getByRole('link', { name: 'For you' }).click();
    await page.waitForURL('**/home');
    const feed = page.getByRole('region', { name: 'Images for you' });
    await imageCards(feed).first().waitFor({ timeout: SEARCH_WAIT });
    await settle(page);
    await armFeedTimer();
    await imageCards(feed).nth(1).getByRole('button', { name: 'Like' }).click();
    const ms = await feedChangeMs();
    report.notes.push(`feed changed ${ms} ms after a like`);
    check(ms <= 1000, `the feed took ${ms} ms to change (goal: within a second)`);
    return { ms_to_change: ms };
  });

  await step('not interested: the card leaves at once and the feed refills', async () => {
    const feed = page.getByRole('region', { name: 'Images for you' });
    await settle(page);
    const first = imageCards(feed).first();
    const hiddenId = await first.getAttribute('data-id');
    await armFeedTimer();
    await first.getByRole('button', { name: 'Not interested' }).click();
    const ms = await feedChangeMs();
    await page.waitForResponse((r) => r.url().includes('/api/recommendations/images'), { timeout: 5000 }).catch(() => undefined);
    await settle(page);
    check(
      (await page.locator(`[data-testid="image-card"][data-id="${hiddenId}"]`).count()) === 0,
      'the hidden image came back',
    );
    report.notes.push(`hidden card left ${ms} ms after the click`);
    return { hidden: hiddenId, ms_to_leave: ms };
  });

  await step('LoRA suggestions sit beside the feed, each with a reason', async () => {
    const loras = page.getByRole('region', { name: 'LoRAs for you' });
    await loraCards(loras).first().waitFor();
    check((await loras.getByTestId('reason').count()) > 0, 'LoRA suggestions carry no reason');
  });

  await step('favorites show the saved image and LoRA', async () => {
    await header.getByRole('link', { name: 'Favorites' }).click();
    await page.waitForURL('**/favorites');
    await page.locator(`[data-testid="image-card"][data-id="${state.imageId}"]`).waitFor();
    await shot('favorites');
    await page.getByRole('tab', { name: /LoRAs/ }).click();
    await page.locator(`[data-testid="lora-card"][data-id="${state.loraId}"]`).waitFor();
    await shot('favorites-loras');
  });

  await step('make a collection, add to it, rename it, remove from it', async () => {
    await page.getByRole('tab', { name: /Collections/ }).click();
    await page.getByLabel('New collection').fill('Journey picks');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('button', { name: /Journey picks/ }).waitFor();
    await page.getByRole('tab', { name: /Images/ }).click();
    await page.getByLabel(`Add image ${state.imageId} to a collection`).selectOption({ label: 'Journey picks (0)' });
    await page.getByText('Added to “Journey picks”').waitFor();
    await page.getByRole('tab', { name: /LoRAs/ }).click();
    await page.getByLabel(`Add ${state.loraName} to a collection`).selectOption({ label: 'Journey picks (1)' });
    await page.getByText('Added to “Journey picks”').first().waitFor();
    await page.getByRole('tab', { name: /Collections/ }).click();
    await page.getByRole('button', { name: /Journey picks/ }).click();
    await page.locator(`[data-testid="image-card"][data-id="${state.imageId}"]`).waitFor();
    await page.locator(`[data-testid="lora-card"][data-id="${state.loraId}"]`).waitFor();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('Harbor evenings');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.getByRole('heading', { name: /Harbor evenings/ }).waitFor();
    const loraInCollection = page.locator(`[data-testid="lora-card"][data-id="${state.loraId}"]`);
    await loraInCollection.getByRole('button', { name: 'Remove from collection' }).click();
    await loraInCollection.waitFor({ state: 'detached' });
    await page.locator(`[data-testid="image-card"][data-id="${state.imageId}"]`).waitFor();
    await shot('collection');
  });

  await step('a blocked tag disappears everywhere', async () => {
    check(state.loraTags.length > 0, 'the LoRA has no tags to block');
    const tag = state.loraTags[0];
    await header.getByRole('link', { name: 'Profile' }).click();
    await page.waitForURL('**/profile');
    await shot('profile');
    await page.getByLabel('Blocked tags').fill(tag);
    await page.getByLabel('Blocked tags').press('Enter');
    await page.getByRole('button', { name: 'Save preferences' }).click();
    await page.getByText(/Preferences saved/).waitFor();
    await page.goto(`/loras/${state.loraId}`);
    await page.getByRole('heading', { name: 'LoRA not found' }).waitFor();
    await page.goto('/favorites?tab=loras');
    await page.getByRole('tabpanel').waitFor();
    await settle(page);
    check(
      (await page.locator(`[data-testid="lora-card"][data-id="${state.loraId}"]`).count()) === 0,
      'the blocked LoRA is still in favorites',
    );
    await page.goto(`/explore?q=${encodeURIComponent(state.loraName)}`);
    await page.getByRole('region', { name: /^LoRAs/ }).waitFor();
    await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
    check(
      (await page.locator(`[data-testid="lora-card"][data-id="${state.loraId}"]`).count()) === 0,
      'the blocked LoRA still appears in search',
    );
    return { blocked: tag };
  });

  await step('log out: private pages are closed', async () => {
    await header.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    for (const path of ['/home', '/favorites', '/profile']) {
      await page.goto(path);
      await page.waitForURL((u) => u.pathname === '/login');
      check(new URL(page.url()).searchParams.get('next') === path, `no way back to ${path}`);
    }
    const me = await page.request.get('/api/me');
    check(me.status() === 401, `/api/me answered ${me.status()} after logout`);
  });

  const serious = Object.entries(report.axe).filter(([, v]) => v.length > 0);
  await step('axe-core: no serious or critical violations', async () => {
    check(
      serious.length === 0,
      serious.map(([p, v]) => `${p}: ${v.map((x) => `${x.id} (${x.impact}, ${x.nodes}) ${x.target.join(' | ')}`).join('; ')}`).join('\n     '),
    );
    return { pages: Object.keys(report.axe).length };
  });
  report.ok = true;
} catch {
  report.ok = false;
} finally {
  if (values.report) writeFileSync(values.report, `${JSON.stringify(report, null, 2)}\n`);
  await browser.close();
}
if (report.errors.length) console.error(`page errors:\n  ${report.errors.join('\n  ')}`);
process.exit(report.ok ? 0 : 1);
