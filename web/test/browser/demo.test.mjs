// The demo page end to end in Chromium: start from a history, search, see the reranked list,
// click a result and see the history grow (and survive a reload). A screenshot is written to
// out/web-demo.png.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { missing, open, outDir } from './harness.mjs';

// The demo searches MovieLens-100K, which lives beside the checkout (../shared/data); without it
// the page falls back to the parity fixture's generated items, which no query here matches.
const movieLens = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-100k/u.item');
const skip = missing() || (!existsSync(movieLens) && `no MovieLens-100K at ${movieLens}`);
let b;
before(async () => { if (!skip) b = await open(); });
after(async () => { await b?.close(); });

const events = async () => Number((await b.page.textContent('#fact-events')).replace(/\D/g, ''));

test('search, rerank, click, history grows', { skip }, async () => {
  const { page } = b;
  await page.goto(`${b.url}/web/demo/`);
  await page.waitForSelector('body[data-state="ready"]');
  assert.match(await page.textContent('#fact-thread'), /Web Worker/);
  assert.match(await page.textContent('#fact-module'), /SIMD128/);
  // A fresh profile holds no history: borrow the first (longest) one offered.
  await page.click('#users button.secondary');
  await page.waitForFunction(() => document.getElementById('onboard').hidden);
  const held = await events();
  assert.ok(held > 0, 'the borrowed history is empty');

  const ranked = Number(await page.getAttribute('body', 'data-ranked') ?? 0);
  await page.fill('#query', 'comedy');
  await page.press('#query', 'Enter');
  await page.waitForFunction((n) => Number(document.body.dataset.ranked) > n, ranked);
  const server = await page.locator('#server li').count();
  assert.ok(server > 1);
  assert.equal(await page.locator('#reranked li').count(), server);
  assert.match(await page.textContent('#m-total'), /µs|ms/);

  // Read the title and click in one turn of the page: a late ranking may redraw the list
  // between two separate steps.
  const title = await page.evaluate(() => {
    const li = document.querySelector('#reranked li:nth-child(2)');
    const t = li.querySelector('.title').textContent;
    li.click();
    return t;
  });
  await page.waitForFunction((n) => Number(document.getElementById('fact-events').textContent.replace(/\D/g, '')) === n, held + 1);
  await page.waitForFunction(() => document.getElementById('toast').classList.contains('show'));
  assert.match(await page.textContent('#toast'), new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  await page.screenshot({ path: path.join(outDir(), 'web-demo.png'), fullPage: true });

  await page.reload();
  await page.waitForSelector('body[data-state="ready"]');
  assert.equal(await events(), held + 1);
  assert.deepEqual(b.errors, []);
});
