/**
 * The flame graph page rendered in headless Chromium: no page or console
 * errors, the frame names shown, a click zooms, Reset restores, the tooltip
 * and the search box work, hostile names stay text.
 */
import t from 'tap';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { flameGraphHtml } from '../../core/profile/flamegraph';
import { chromiumMissing, renderInChromium } from '../support/chromium';
import { HOSTILE_NAME, knownProfile } from './known-profile';

const dir = mkdtempSync(join(tmpdir(), 'flamegraph-test-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('the page is self-contained and escapes what it embeds', async (t) => {
  const html = flameGraphHtml(knownProfile(), { title: 'perf <cpu> & "more"' });
  t.notMatch(html, /(src|href)\s*=\s*["']?(https?:)?\/\//i, 'no external resource');
  t.match(html, /<title>perf &#60;cpu&#62; &#38; &#34;more&#34;<\/title>/);
  t.equal(html.split('</script>').length - 1, 2, 'only the two script elements end with </script>');
});

const skip = chromiumMissing() ?? false;
if (skip) t.comment(`skipping: ${skip}`);

/** Name of every drawn frame, by text, with its width style. */
async function frames(page: Page): Promise<{ name: string; width: string; classes: string }[]> {
  return page.$$eval('.frame', (elements) =>
    elements.map((e) => ({ name: e.textContent ?? '', width: (e as unknown as { style: { width: string } }).style.width, classes: e.className })),
  );
}

t.test('renders in Chromium: names, click to zoom, reset, tooltip, search', { skip }, async (t) => {
  const file = join(dir, 'known.html');
  writeFileSync(file, flameGraphHtml(knownProfile(), { title: 'known profile' }));
  const screenshot = join(dir, 'known.png');
  const result = await renderInChromium(file, screenshot, async (page) => {
    const initial = await frames(page);
    const byName = (list: typeof initial, name: string) => list.find((f) => f.name === name);
    t.equal(byName(initial, 'all')?.width, '100%');
    t.ok(Math.abs(parseFloat(byName(initial, 'app')!.width) - (100 * 9) / 13) < 0.001, 'app: 9 of 13 samples');
    t.ok(byName(initial, 'worker'), 'worker drawn');
    t.ok(byName(initial, HOSTILE_NAME), 'the hostile name is a frame label');
    t.equal(await page.evaluate('window.pwned'), undefined, 'and was not run');

    await page.hover('.frame:text-is("hot_loop")');
    const tooltip = await page.innerText('#tooltip');
    t.match(tooltip, /hot_loop\n5 samples \(38\.46% of all\)/);

    await page.click('.frame:text-is("main")');
    const zoomed = await frames(page);
    t.equal(byName(zoomed, 'main')?.width, '100%', 'the clicked frame fills the width');
    t.ok(Math.abs(parseFloat(byName(zoomed, 'hot_loop')!.width) - (100 * 5) / 9) < 0.001, 'children scale: hot_loop 5 of 9');
    t.notOk(byName(zoomed, 'worker'), 'frames outside the zoomed one are gone');
    t.match(byName(zoomed, 'app')?.classes, /ancestor/, 'ancestors shown dimmed');
    t.match(await page.innerText('#status'), /Zoomed into main: 9 samples \(69\.23%\)/);

    await page.click('#reset');
    t.ok(byName(await frames(page), 'worker'), 'reset shows everything again');

    await page.fill('#search', 'hot');
    const matched = (await frames(page)).filter((f) => /\bmatch\b/.test(f.classes)).map((f) => f.name);
    t.same(matched.sort(), ['LazyCompile:*hotJs /app/main.js:3', 'hot_loop']);
    t.match(await page.innerText('#matched'), /Matched: 6 samples \(46\.15%\)/);
    await page.fill('#search', '[unclosed');
    t.same(await page.$$eval('.frame.match', (e) => e.length), 0, 'an invalid regex is searched as text');
    await page.fill('#search', '');
    t.same(await page.$$eval('.frame.match', (e) => e.length), 0, 'clearing the search clears highlights');
  });
  t.same(result.pageErrors, []);
  t.same(result.consoleErrors, []);
  for (const name of ['hot_loop', 'do_sys_openat2_[k]', '__libc_open64', 'node::Start', 'worker']) t.ok(result.text.includes(name), `${name} shown`);
  t.ok(statSync(screenshot).size > 1000, 'screenshot written');
});

t.test('bytes and nanoseconds are shown scaled', { skip }, async (t) => {
  const file = join(dir, 'units.html');
  writeFileSync(file, flameGraphHtml(knownProfile(), { title: 'cpu time', valueIndex: 1 }));
  let tooltip = '';
  const bytesFile = join(dir, 'bytes.html');
  writeFileSync(bytesFile, flameGraphHtml(knownProfile(), { title: 'bytes', valueIndex: 1, unit: 'bytes' }));
  let bytesStatus = '';
  const result = await renderInChromium(file, undefined, async (page) => {
    await page.hover('.frame:text-is("hot_loop")');
    tooltip = await page.innerText('#tooltip');
  });
  const bytes = await renderInChromium(bytesFile, undefined, async (page) => {
    bytesStatus = await page.innerText('#status');
  });
  t.same([...result.pageErrors, ...bytes.pageErrors], []);
  t.match(tooltip, /hot_loop\n50\.00 ms \(38\.46% of all\)/, '5 samples of 10 ms');
  t.match(bytesStatus, /^123\.98 MiB in \d+ frames$/, '130,000,000 bytes');
});

t.test('a large profile stays bounded in drawn frames and renders without errors', { skip }, async (t) => {
  const profile = knownProfile();
  const base = profile.samples[0]!;
  profile.samples = [];
  for (let i = 0; i < 3000; i++) {
    profile.samples.push({ ...base, stack: [{ ...base.stack[0]!, name: `fn_${i}`, address: BigInt(0x500000 + i) }, ...base.stack], values: [i === 0 ? 100_000 : 1, 0] });
  }
  const file = join(dir, 'large.html');
  writeFileSync(file, flameGraphHtml(profile, { title: 'large' }));
  let drawn = 0;
  const result = await renderInChromium(file, undefined, async (page) => {
    drawn = await page.$$eval('.frame', (e) => e.length);
  });
  t.same(result.pageErrors, []);
  t.ok(drawn < 100, `frames narrower than 0.05% are not drawn (${drawn} drawn of 3004)`);
});
