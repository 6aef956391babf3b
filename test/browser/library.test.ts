// The pages in a real browser (Debian's Chromium through playwright-core): log in, generate an
// image on the demo provider, find it in /library, open it, delete it. Screenshots are saved in
// test-artifacts/browser/.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../helpers/harness.js';
import { newUser, PASSWORD } from '../helpers/ops.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(new URL('../..', import.meta.url).pathname, 'test-artifacts', 'browser');
// CI installs Chromium (.ci/run); elsewhere the test says why it did not run.
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `${CHROMIUM} is not installed (apt-get install -y chromium)` : false;

let t: TestServer;
let browser: Browser;
before(async () => {
  if (skip) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestServer({ DEMO_DELAY_MS: '20', SIGNUP_CREDITS: '50' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
});
after(async () => {
  await browser?.close();
  await t?.close();
});

test('log in, generate an image, find it in the library, open it, delete it', { skip }, async () => {
  const u = await newUser(t, 'browser');
  const page = await browser.newPage();
  page.on('dialog', (d) => void d.accept());

  await page.goto(`${t.url}/library`);
  assert.match(page.url(), /\/login\?next=%2Flibrary$/, 'signed out: sent to the login page');
  await page.fill('input[name=username]', u.username);
  await page.fill('input[name=password]', PASSWORD);
  await page.click('button[type=submit]');
  await page.waitForURL(/\/library$/);
  assert.equal(await page.locator('.asset').count(), 0);

  await page.goto(`${t.url}/dashboard`);
  await page.selectOption('select[name=model]', 'flux');
  await page.fill('input[name=prompt]', 'a lighthouse on a cliff at dusk');
  await page.click('#generate button[type=submit]');
  await page.waitForSelector('#results .result img', { timeout: 30_000 });
  assert.equal(await page.textContent('#status'), 'Done');
  await page.screenshot({ path: join(ARTIFACTS, '1-dashboard.png'), fullPage: true });

  await page.goto(`${t.url}/library?type=image&sort=newest`);
  const cards = page.locator('.asset');
  assert.equal(await cards.count(), 1);
  const thumb = cards.first().locator('img');
  await thumb.waitFor();
  assert.ok(await thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the thumbnail loads');
  await page.screenshot({ path: join(ARTIFACTS, '2-library.png'), fullPage: true });

  await cards.first().click();
  await page.waitForURL(/\/asset\/\d+$/);
  const image = page.locator('main img');
  await image.waitFor();
  assert.ok(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the image loads');
  assert.match((await page.textContent('main'))!, /a lighthouse on a cliff at dusk/);
  assert.match((await page.textContent('#provider'))!, /demo/i, 'a demo result says so');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.match(download.suggestedFilename(), /\.(png|webp|jpe?g)$/);
  await page.screenshot({ path: join(ARTIFACTS, '3-asset.png'), fullPage: true });

  await page.click('#delete');
  await page.waitForURL(/\/library$/);
  assert.equal(await page.locator('.asset').count(), 0, 'gone from the library');
  await page.screenshot({ path: join(ARTIFACTS, '4-deleted.png'), fullPage: true });
  assert.ok(existsSync(join(ARTIFACTS, '3-asset.png')));
  await page.close();
});
