// Quick look while styling: node e2e/shoot.mjs BASE_URL OUT_DIR [--login user:password]
//   [--viewport] [--light] path...   (PNGs at desktop and phone widths; full page by default)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { DESKTOP, launchBrowser, newContext, PHONE, settle, watchErrors } from './browser.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { login: { type: 'string' }, viewport: { type: 'boolean' }, light: { type: 'boolean' } },
});
const [base, out, ...pages] = positionals;
mkdirSync(out, { recursive: true });
const browser = await launchBrowser();
const errors = [];
for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]]) {
  const context = await newContext(browser, { baseURL: base, viewport, colorScheme: values.light ? 'light' : 'dark' });
  const page = await context.newPage();
  watchErrors(page, errors);
  if (values.login) {
    const [username, password] = values.login.split(':');
    await page.goto('/login');
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL('**/home');
  }
  for (const path of pages) {
    await page.goto(path);
    await settle(page);
    const name = path.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '') || 'landing';
    await page.screenshot({ path: join(out, `${name}-${label}.png`), fullPage: !values.viewport });
  }
  await context.close();
}
await browser.close();
for (const e of errors) console.error(e);
