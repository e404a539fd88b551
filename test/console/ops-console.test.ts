// The console in a real browser, as ops on call use it: open a breach through the form (a field the
// API refuses is shown by the field, nothing typed is lost, fixed and sent again), watch its 72-hour
// countdown follow the server's (virtual) clock, notify, see the customer's acknowledgement arrive
// from the tenant's own view, send an update, and close a notified breach and a draft found not
// notifiable. Every ops view is checked with axe-core and at a phone's width.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { fitsWidth, launchBrowser, newContext, screenshotPath, seriousViolations } from '../support/browser.js';

const TIMEOUT = { timeout: 300_000 };

async function signIn(page: Page, url: string, role: string, tenantId?: string): Promise<void> {
  await page.goto(`${url}/api/console/`);
  await page.getByLabel('Role').selectOption(role);
  if (tenantId) await page.getByLabel('Tenant id').fill(tenantId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('console: ops on call', () => {
  let system: LocalSystem;
  let browser: Browser;
  let tenant: TenantFixture;
  let ops: Page;

  before(async () => {
    [system, browser] = await Promise.all([LocalSystem.start({ withPlatform: true }), launchBrowser()]);
    await system.advanceTo(new Date('2031-03-03T08:00:00Z'));
    tenant = await provisionTenant(system, { name: 'Harbour Freight Ltd' });
    ops = await (await newContext(browser)).newPage();
    await signIn(ops, system.url, 'ops');
  }, TIMEOUT);

  after(async () => {
    await browser?.close();
    await system?.stop();
  }, TIMEOUT);

  test('the console is served by the app at /api/console/ without a token, and holds no data', async () => {
    // Plain fetches: these are files, not API answers (the document lists the route, not each file).
    const page = await fetch(`${system.url}/api/console/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="app.js">/);
    assert.deepEqual(await (await fetch(`${system.url}/api/console/config.json`)).json(), { signIn: 'development' });
    assert.equal((await fetch(`${system.url}/api/console/..%2Fhost.json`)).status, 404, 'nothing outside the bundle');
    const bundle = await (await fetch(`${system.url}/api/console/app.js`)).text();
    // The page's clocks read the server's time from Date: on the local host that is its virtual clock, API answers included.
    const answer = await system.get('/api/breaches', await opsToken(system, 'ops.breach'));
    assert.ok(Math.abs(Date.parse(answer.headers.get('date')!) - (await system.now()).getTime()) < 5_000, `Date: ${answer.headers.get('date')}`);
    assert.doesNotMatch(bundle, /Bearer [A-Za-z0-9_-]+\./, 'no token in the files');
  });

  test('ops open a breach through the form: a refused field is shown by the field, kept, fixed and sent', TIMEOUT, async () => {
    await ops.getByRole('link', { name: 'Open a breach' }).click();
    await ops.getByRole('heading', { level: 1, name: 'Open a breach' }).waitFor();
    await ops.getByLabel('Summary *').fill('Support mailbox forwarded externally');
    await ops.getByLabel('Nature of the breach *').fill('A forwarding rule sent support emails to an external address for six hours.');
    // Categories of data left empty: the API refuses and names the field.
    await ops.getByLabel('Approximate number of data subjects').fill('40');
    await ops.getByLabel('Likely consequences *').fill('Targeted phishing.');
    await ops.getByLabel('Measures taken or proposed *').fill('Rule removed; recipients asked to delete.');
    await ops.getByRole('checkbox', { name: /Harbour Freight Ltd/ }).check();
    await ops.getByRole('button', { name: 'Open as draft' }).click();

    const categories = ops.getByLabel('Categories of personal data *');
    await ops.locator('[aria-invalid="true"]').first().waitFor();
    assert.equal(await categories.getAttribute('aria-invalid'), 'true');
    const alert = await ops.getByRole('alert').innerText();
    assert.match(alert, /Categories of personal data/, alert);
    assert.equal(await ops.getByLabel('Summary *').inputValue(), 'Support mailbox forwarded externally', 'nothing typed is lost');
    assert.equal(await ops.getByLabel('Approximate number of data subjects').inputValue(), '40');
    assert.deepEqual(await seriousViolations(ops), [], 'the form with its errors is accessible');
    await ops.screenshot({ path: screenshotPath('ops-open-breach') });

    await categories.fill('names, work emails');
    const created = ops.waitForResponse((r) => r.url().endsWith('/api/breaches') && r.request().method() === 'POST');
    await ops.getByRole('button', { name: 'Open as draft' }).click();
    assert.equal((await created).status(), 202);
    await ops.getByRole('heading', { level: 1, name: 'Breach board' }).waitFor();
    await ops.getByRole('heading', { name: 'Support mailbox forwarded externally' }).waitFor();
  });

  test('the board counts down to notifyBy on the server clock (virtual here)', TIMEOUT, async () => {
    const countdown = ops.locator('.countdown').first();
    // Opened at the server's "now": 72 hours minus the seconds since.
    await ops.waitForFunction("/^(2d 2[23]|3d 00):/.test(document.querySelector('.countdown')?.textContent ?? '')");
    assert.deepEqual(await seriousViolations(ops), [], 'board');
    await ops.screenshot({ path: screenshotPath('ops-breach-board') });

    await system.advance('PT10H');
    const refreshed = ops.waitForResponse((r) => r.url().endsWith('/api/breaches') && r.request().method() === 'GET');
    await ops.getByRole('button', { name: 'Refresh' }).click();
    await refreshed;
    await ops.waitForFunction("/^2d 1[23]:/.test(document.querySelector('.countdown')?.textContent ?? '')");
    assert.match(await countdown.innerText(), /^2d 1[23]:\d\d:\d\d$/, 'ten hours of virtual time later');
  });

  test('a breach opened ready to notify goes out at once; the board shows each tenant notice', TIMEOUT, async () => {
    await ops.getByRole('link', { name: 'Open a breach' }).click();
    await ops.getByLabel('Summary *').fill('Exported roster left in a shared folder');
    await ops.getByLabel('Nature of the breach *').fill('A roster export was readable by every member of a partner workspace for a day.');
    await ops.getByLabel('Categories of personal data *').fill('names, shift times');
    await ops.getByLabel('Likely consequences *').fill('Low: no contact details.');
    await ops.getByLabel('Measures taken or proposed *').fill('Folder access removed.');
    await ops.getByRole('checkbox', { name: /Harbour Freight Ltd/ }).check();
    await ops.getByRole('checkbox', { name: /^Draft/ }).uncheck();
    const created = ops.waitForResponse((r) => r.url().endsWith('/api/breaches') && r.request().method() === 'POST');
    await ops.getByRole('button', { name: 'Open and notify' }).click();
    assert.equal((await created).status(), 202);
    await system.settle();
    await ops.getByRole('heading', { level: 1, name: 'Breach board' }).waitFor();
    const card = ops.locator('.breach', { hasText: 'Exported roster left in a shared folder' });
    await card.waitFor();
    await ops.getByRole('button', { name: 'Refresh' }).click();
    await card.locator('td.sent', { hasText: /^2031-03-03 18:00 UTC/ }).waitFor();
    assert.match(await card.innerText(), new RegExp(`${tenant.tenantId}\\s+initial notice\\s+2031-03-03 18:00 UTC\\s+no`));
  });

  test("the tenant's admin acknowledges the notice in their view; the board shows it", TIMEOUT, async () => {
    const admin = await (await newContext(browser)).newPage();
    await signIn(admin, system.url, 'tenant.admin', tenant.tenantId);
    await admin.getByRole('link', { name: 'Breach notices' }).click();
    await admin.getByRole('heading', { name: /Exported roster left in a shared folder/ }).waitFor();
    assert.deepEqual(await seriousViolations(admin), [], 'notices view');
    await admin.screenshot({ path: screenshotPath('tenant-breach-notices') });
    const acked = admin.waitForResponse((r) => /\/acknowledge$/.test(r.url()));
    await admin.getByRole('button', { name: /Acknowledge the initial notice/ }).click();
    assert.equal((await acked).status(), 200);
    await admin.getByText(/^Acknowledged /).waitFor();
    await admin.context().close();

    await ops.getByRole('button', { name: 'Refresh' }).click();
    await ops.locator('.breach', { hasText: 'Exported roster' }).locator('td.ack', { hasText: /^yes, / }).waitFor();
  });

  test('workflows and tenants in grace; every ops view accessible and usable at a phone width', TIMEOUT, async () => {
    await ops.getByRole('link', { name: 'Workflows and grace' }).click();
    await ops.getByRole('table', { name: /Open flows/ }).waitFor();
    assert.match(await ops.locator('#workflows').innerText(), /breach/, 'the open breach flow is listed');
    assert.deepEqual(await seriousViolations(ops), [], 'workflows view');
    await ops.screenshot({ path: screenshotPath('ops-workflows') });

    const phone = await (await newContext(browser, { width: 360, height: 740 })).newPage();
    await signIn(phone, system.url, 'ops');
    for (const view of ['ops/board', 'ops/open', 'ops/attention']) {
      await phone.goto(`${system.url}/api/console/#/${view}`);
      await phone.locator('main h2').first().waitFor();
      await phone.waitForFunction("!document.querySelector('.progress')");
      const width = await fitsWidth(phone);
      assert.ok(width.fits, `${view} scrolls sideways at 360px: ${width.scrollWidth}px`);
    }
    // Every action reachable by keyboard: Tab from the top reaches the form's submit button.
    await phone.goto(`${system.url}/api/console/#/ops/open`);
    await phone.getByRole('button', { name: 'Open as draft' }).waitFor();
    let reached = false;
    for (let i = 0; i < 80 && !reached; i++) {
      await phone.keyboard.press('Tab');
      reached = await phone.evaluate<boolean>("document.activeElement?.textContent === 'Open as draft'");
    }
    assert.ok(reached, 'the submit button is reachable with Tab');
    await phone.context().close();
  });

  test('ops send an update to the notified tenant, then close both breaches: the notified one with its outcome, the draft as not notifiable', TIMEOUT, async () => {
    const breachOps = await opsToken(system, 'ops.breach');
    const breachOf = async (summary: string) =>
      (await system.get<{ breaches: { breachId: string; facts: { summary: string } }[] }>('/api/breaches', breachOps)).body.breaches.find(
        (b) => b.facts.summary === summary,
      )!;
    await ops.getByRole('link', { name: 'Breach board' }).click();
    const notified = ops.locator('.breach', { hasText: 'Exported roster left in a shared folder' });
    await notified.getByRole('button', { name: 'Add update…' }).click();
    await notified.getByRole('button', { name: 'Send update' }).click();
    await notified.locator('[aria-invalid="true"]').first().waitFor(); // the API names the missing information by its field
    await notified.getByLabel('Further information (Art 33(4))').fill('The folder was also synced to one partner laptop, since wiped.');
    const updated = ops.waitForResponse((r) => /\/updates$/.test(r.url()) && r.request().method() === 'POST');
    await notified.getByRole('button', { name: 'Send update' }).click();
    assert.equal((await updated).status(), 202);
    await system.settle();
    await ops.getByRole('button', { name: 'Refresh' }).click();
    await notified.locator('tr', { hasText: 'update 1' }).locator('td.sent', { hasNotText: 'not yet' }).waitFor();
    const mails = (await system.outbox()).filter((m) => m.to.includes(tenant.contacts.privacy[0]!.email) && m.subject.startsWith('Update 1 to personal data breach notice'));
    assert.equal(mails.length, 1, 'the update went to the privacy contact once');

    await notified.getByRole('button', { name: 'Close…' }).click();
    await notified.getByLabel('Outcome').fill('Contained; no misuse seen after 30 days of monitoring.');
    const closed = ops.waitForResponse((r) => /\/close$/.test(r.url()));
    await notified.getByRole('button', { name: 'Close breach' }).click();
    assert.equal((await closed).status(), 200);
    await notified.waitFor({ state: 'detached' });

    const draft = ops.locator('.breach', { hasText: 'Support mailbox forwarded externally' });
    await draft.getByRole('button', { name: 'Close…' }).click();
    await draft.getByLabel('Outcome').fill('Forwarding rule removed within the hour.');
    await draft.getByLabel('Why it is not notifiable').fill('Every recipient confirmed deletion; no risk to the data subjects (Art 33(1)).');
    assert.deepEqual(await seriousViolations(ops), [], 'the close form');
    const closedDraft = ops.waitForResponse((r) => /\/close$/.test(r.url()));
    await draft.getByRole('button', { name: 'Close breach' }).click();
    assert.equal((await closedDraft).status(), 200);
    await draft.waitFor({ state: 'detached' });

    for (const [summary, notifiable] of [['Exported roster left in a shared folder', true], ['Support mailbox forwarded externally', false]] as const) {
      const { breachId } = await breachOf(summary);
      const view = (await system.get<{ status: string; closed: { notifiable: boolean; reasoning: string | null } }>(`/api/breaches/${breachId}`, breachOps)).body;
      assert.equal(view.status, 'closed', summary);
      assert.equal(view.closed.notifiable, notifiable, summary);
      if (!notifiable) assert.match(view.closed.reasoning ?? '', /Art 33\(1\)/, 'the reasoning is kept');
    }
  });
});
