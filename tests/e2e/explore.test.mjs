// The event explorer end to end, in headless Chromium against the real
// server, on the built-in sample: the overview's numbers equal the native
// engine's, a schema entry's statistics, a drill-down (rows, users, a row's
// raw line read again with an HTTP Range request), a user's journey in time
// order with sessions and the exposure marked, and the filter builder
// writing a SQL cell whose result matches the drill-down.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARTIFACTS, cellResult, nativeQuery, screenshot, startGlint, waitForCell, waitForNotebook,
} from './harness.mjs';

const TIMEOUT = 60_000;

describe('Glint event explorer', () => {
  let glint;
  let page;

  before(async () => {
    glint = await startGlint();
    page = await glint.newPage();
    await page.goto(glint.baseUrl);
    await waitForNotebook(page);
    await page.click('#toggle-explore');
    await page.locator('#ov-rows').waitFor({ timeout: TIMEOUT });
  });

  after(async () => {
    assert.deepEqual(glint?.problems ?? [], [], 'console or page errors');
    await glint?.close();
  });

  const native = (sql) => nativeQuery(glint.serverBin, sql);

  it('shows the overview the native engine computes', async () => {
    const [head] = await native(
      'SELECT count(*) AS n, count(DISTINCT user_id) AS users, count(DISTINCT event) AS events, count(ts) AS timed FROM events',
    );
    assert.equal(Number(await page.textContent('#ov-rows')), head.n);
    assert.equal(Number(await page.textContent('#ov-users')), head.users);
    assert.equal(Number(await page.textContent('#ov-events')), head.events);

    const expected = await native('SELECT event, count(*) AS n FROM events GROUP BY event ORDER BY n DESC, event NULLS LAST LIMIT 20');
    const bars = await page.$$eval('.event-bar', (els) => els.map((e) => [e.dataset.event, e.querySelector('.bar-count').textContent]));
    assert.deepEqual(
      bars.map(([e, n]) => [e, Number(n.replace(/,/g, ''))]),
      expected.map((r) => [r.event ?? '(no event name)', r.n]),
    );

    // Every timed row is in exactly one histogram bucket.
    const counts = await page.$$eval('.hist-bar', (els) => els.map((e) => Number(e.dataset.count)));
    assert.ok(counts.length > 1, 'the histogram has buckets');
    assert.equal(counts.reduce((a, b) => a + b, 0), head.timed);
    const bucket = await page.getAttribute('#histogram', 'data-bucket');
    assert.ok(['hour', 'day', 'week'].includes(bucket), bucket);
    const ms = Number(await page.textContent('#ov-ms'));
    console.log(`overview of ${head.n} rows computed in ${ms} ms (bucket: ${bucket})`);
    await page.locator('#explore-overview').screenshot({ path: `${ARTIFACTS}explore-overview-card.png` });
    await screenshot(page, 'explore-overview');
  });

  it('profiles every field: nulls, distinct, bounds, top values', async () => {
    const row = page.locator('#profile tr[data-path="properties.revenue"]');
    await row.waitFor({ timeout: TIMEOUT });
    const [rev] = await native(
      'SELECT count(*) AS n, count(properties.revenue) AS c, min(properties.revenue) AS lo, max(properties.revenue) AS hi FROM events',
    );
    const nullPct = (await row.locator('.null-pct').textContent()).trim();
    assert.equal(nullPct, `${((100 * (rev.n - rev.c)) / rev.n).toFixed(1)}%`);
    const [ev] = await native('SELECT count(DISTINCT event) AS d FROM events');
    const eventRow = page.locator('#profile tr[data-path="event"]');
    assert.equal((await eventRow.locator('.distinct').textContent()).trim(), String(ev.d));
    const topNative = await native(
      'SELECT event, count(*) AS n FROM events WHERE event IS NOT NULL GROUP BY event ORDER BY n DESC, event LIMIT 1',
    );
    const firstChip = (await eventRow.locator('.chip').first().textContent()).trim();
    assert.equal(firstChip.replace(/,/g, ''), `${topNative[0].event} ${topNative[0].n}`);
    // messageId is an id: nearly every value distinct, estimated beyond 10,000.
    const idRow = page.locator('#profile tr[data-path="messageId"]');
    assert.match(await idRow.locator('.top').textContent(), /nearly every value distinct/);
    await page.locator('#explore-schema').screenshot({ path: `${ARTIFACTS}explore-schema-card.png` });
  });

  it('drills into an event: its rows, its users and a raw line', async () => {
    await page.click('.event-bar[data-event="Order Completed"]');
    await page.locator('#drill-rows table').waitFor({ timeout: TIMEOUT });
    const [orders] = await native(`SELECT count(*) AS n FROM events WHERE event = 'Order Completed'`);
    assert.equal(Number(await page.textContent('#drill-total')), orders.n);
    await page.locator('#drill-users li').first().waitFor({ timeout: TIMEOUT });
    const topUsers = await native(
      `SELECT user_id, count(*) AS n FROM events WHERE event = 'Order Completed' GROUP BY user_id ORDER BY n DESC, user_id LIMIT 1`,
    );
    const firstUser = (await page.locator('#drill-users li').first().textContent()).trim();
    assert.ok(firstUser.startsWith(String(topUsers[0].user_id ?? '(no user)')), firstUser);

    // The first row's line, read again from the server with a Range request.
    const [first] = await native(`SELECT _line, _offset FROM events WHERE event = 'Order Completed' ORDER BY _line LIMIT 1`);
    await page.locator('#drill-rows .raw-btn').first().click();
    await page.locator('#raw-text').waitFor({ timeout: TIMEOUT });
    await page.waitForFunction(() => !document.querySelector('#raw-line')?.textContent.includes('reading…'));
    assert.ok(await page.locator('#raw-text.exact').count(), `not read again: ${await page.textContent('#raw-line')}`);
    const raw = await page.textContent('#raw-text');
    const sample = await (await fetch(new URL('api/sample.ndjson', glint.baseUrl))).text();
    const lineText = sample.slice(first._offset).split('\n')[0];
    assert.equal(raw, lineText);
    assert.match(await page.textContent('#raw-line h3'), new RegExp(`Line ${first._line}$`));
  });

  it('drills into a time bucket and a field value', async () => {
    const bar = page.locator('.hist-bar').nth(1);
    const count = Number(await bar.getAttribute('data-count'));
    const start = await bar.getAttribute('data-start');
    await bar.click();
    await page.waitForFunction((s) => document.querySelector('#drill h2')?.textContent.includes(s), start);
    await page.locator('#drill-total').waitFor({ timeout: TIMEOUT });
    assert.equal(Number(await page.textContent('#drill-total')), count);

    // A value chip filters on that value (and puts the condition in the filter builder).
    await page.locator('#profile tr[data-path="context.device.type"] .chip').first().click();
    await page.waitForFunction(() => document.querySelector('#drill h2')?.textContent.startsWith('context.device.type = '));
    await page.locator('#drill-total').waitFor({ timeout: TIMEOUT });
    const value = (await page.textContent('#drill h2')).replace('context.device.type = ', '');
    const [n] = await native(`SELECT count(*) AS n FROM events WHERE context.device.type = '${value}'`);
    assert.equal(Number(await page.textContent('#drill-total')), n.n);
    assert.match(await page.textContent('#filter-sql'), /"context"\['device'\]\['type'\] = '/);
    // Leave the filter builder empty for the next test.
    await page.locator('#explore-filter .condition button').first().click();
  });

  it("shows a user's journey in time order, in sessions, exposure marked", async () => {
    await page.locator('#explore-journey .top-user').first().waitFor({ timeout: TIMEOUT });
    const [top] = await native(
      'SELECT CAST(user_id AS VARCHAR) AS u, count(*) AS n FROM events WHERE user_id IS NOT NULL GROUP BY 1 ORDER BY n DESC, u LIMIT 1',
    );
    assert.equal((await page.locator('#explore-journey .top-user').first().textContent()).trim(), top.u);
    await page.fill('#journey-user', top.u);
    await page.click('#journey-show');
    await page.locator('#journey .journey-event').first().waitFor({ timeout: TIMEOUT });
    const expected = await native(
      `SELECT _line, event, context.session_id AS s FROM events WHERE CAST(user_id AS VARCHAR) = '${top.u}' ORDER BY ts NULLS LAST, _line`,
    );
    const shown = await page.$$eval('#journey .journey-event', (els) =>
      els.map((e) => [Number(e.dataset.line), e.querySelector('.name').textContent, Number(e.dataset.session)]));
    assert.deepEqual(shown.map(([l, e]) => [l, e]), expected.map((r) => [r._line, r.event ?? '(no event name)']));
    // Sessions: the sample's session ids, numbered in order of appearance (ids are per visit).
    const sessionOf = new Map();
    let n = 0;
    let prev = null;
    for (const r of expected) {
      if (r.s !== prev) n += 1;
      prev = r.s;
      sessionOf.set(r._line, n);
    }
    assert.deepEqual(shown.map(([l, , s]) => s), shown.map(([l]) => sessionOf.get(l)));
    const exposures = await page.$$eval('#journey .journey-event.exposure .name', (els) => els.map((e) => e.textContent));
    const [exp] = await native(
      `SELECT count(properties.experiment_id) AS c FROM events WHERE CAST(user_id AS VARCHAR) = '${top.u}'`,
    );
    assert.equal(exposures.length, exp.c > 0 ? 1 : 0, `exposures: ${exposures}`);
    await page.locator('#journey .journey-event summary').first().click();
    assert.match(await page.locator('#journey .journey-event pre').first().textContent(), /"event"/);
    await page.locator('#explore-journey').screenshot({ path: `${ARTIFACTS}explore-journey-card.png` });
  });

  it('turns a filter into a SQL cell with the same rows', async () => {
    await page.selectOption('#filter-event', 'Added to Cart');
    await page.click('#filter-add');
    const cond = page.locator('#explore-filter .condition').first();
    await cond.locator('.cond-path').selectOption('properties.quantity');
    await cond.locator('.cond-op').selectOption('>=');
    await cond.locator('.cond-value').fill('2');
    await cond.locator('.cond-value').press('Tab');
    await page.click('#filter-show');
    await page.waitForFunction(() => document.querySelector('#drill h2')?.textContent === 'Filtered rows');
    await page.locator('#drill-total').waitFor({ timeout: TIMEOUT });
    const [expected] = await native(`SELECT count(*) AS n FROM events WHERE event = 'Added to Cart' AND properties.quantity >= 2`);
    assert.equal(Number(await page.textContent('#drill-total')), expected.n);
    assert.match(await page.textContent('#filter-sql'), /"properties"\['quantity'\] >= 2/);

    const before = await page.locator('#notebook > .cell').count();
    await page.click('#filter-cell');
    const cell = page.locator('#notebook > .cell').nth(before);
    await cell.waitFor({ timeout: TIMEOUT });
    await waitForCell(cell);
    const result = await cellResult(cell);
    assert.equal(result.state, 'done', result.error ?? '');
    assert.equal(result.total, expected.n);
  });
});
