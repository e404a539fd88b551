// The console in a real browser, as a customer's administrator or DPO uses it: open requests sorted
// by due date with the days left the API computes in the jurisdiction's calendar, extended, identity
// recorded, fulfilled and refused; support-access requests approved and denied; an export requested
// and ready to download; after termination, the deletion certificate verified in the page against the
// published keys; a termination reactivated in its grace window. Every view is checked with axe-core
// and at a phone's width.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { LocalSystem } from '../support/local-system.js';
import { opsToken, provisionTenant, type TenantFixture } from '../support/builders.js';
import { fitsWidth, launchBrowser, newContext, screenshotPath, seriousViolations } from '../support/browser.js';

const TIMEOUT = { timeout: 300_000 };

async function signInAsAdmin(page: Page, url: string, tenantId: string): Promise<void> {
  await page.goto(`${url}/api/console/`);
  await page.getByLabel('Role').selectOption('tenant.admin');
  await page.getByLabel('Tenant id').fill(tenantId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('console: the customer administrator', () => {
  let system: LocalSystem;
  let browser: Browser;
  let tenant: TenantFixture;
  let page: Page;

  before(async () => {
    [system, browser] = await Promise.all([LocalSystem.start({ withPlatform: true }), launchBrowser()]);
    await system.advanceTo(new Date('2031-03-20T09:00:00Z'));
    tenant = await provisionTenant(system, { name: 'Orchard Dental Ltd' });
    page = await (await newContext(browser)).newPage();
  }, TIMEOUT);

  after(async () => {
    await browser?.close();
    await system?.stop();
  }, TIMEOUT);

  test('open requests by due date with the days left, history and an action', TIMEOUT, async () => {
    const submit = async (receivedAt: string, email: string) => {
      const created = await system.post<{ dsarId: string; dueOn: string }>(
        `/api/tenants/${tenant.tenantId}/dsars`,
        { type: 'access', subject: { email }, receivedAt, jurisdiction: 'GB-ENG' },
        tenant.adminToken,
      );
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body;
    };
    const later = await submit('2031-03-19T10:00:00Z', 'later@example.test');
    const sooner = await submit('2031-03-01T10:00:00Z', 'sooner@example.test');
    const listed = (await system.get<{ dsars: { dsarId: string; daysLeft: number }[] }>(`/api/tenants/${tenant.tenantId}/dsars`, tenant.adminToken)).body.dsars;

    await signInAsAdmin(page, system.url, tenant.tenantId);
    await page.getByRole('table', { name: /Soonest due first/ }).waitFor();
    const rows = page.locator('#dsar-table tbody tr');
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-dsar-id'))), [sooner.dsarId, later.dsarId], 'sorted by due date');
    assert.deepEqual(await page.locator('#dsar-table td.due').allInnerTexts(), [sooner.dueOn, later.dueOn]);
    const daysLeft = listed.find((d) => d.dsarId === sooner.dsarId)!.daysLeft;
    assert.equal(await rows.first().locator('td.days-left').innerText(), `${daysLeft} days left`, "the API's daysLeft, not the browser's arithmetic");
    assert.deepEqual(await seriousViolations(page), [], 'requests view');
    await page.screenshot({ path: screenshotPath('tenant-requests') });

    await rows.first().getByRole('button', { name: /Details/ }).click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('button', { name: 'Extend' }).click();
    await page.getByText(/Reason \(to extend or refuse\)/).waitFor();
    await page.locator('[aria-invalid="true"]').first().waitFor(); // the API names the missing reason by its field
    await page.getByLabel('Reason (to extend or refuse)').fill('Complex request across several modules');
    const extended = page.waitForResponse((r) => /\/extend$/.test(r.url()));
    await page.getByRole('button', { name: 'Extend' }).click();
    assert.equal((await extended).status(), 200);
    await page.locator('.history li', { hasText: 'extend' }).waitFor();
    await page.locator('#dsar-table tbody tr', { hasText: 'extended' }).waitFor();
  });

  /** A support engineer's request for read access to the tenant's configuration, as the engineer's tooling sends it. */
  async function askSupportAccess(sub: string, ticket: string, reason: string): Promise<{ engineer: string; grantId: string }> {
    const engineer = await system.token({ sub, roles: ['support'] }, { lifetimeSeconds: 30 * 24 * 3600 });
    const asked = await system.post<{ grantId: string }>(
      `/api/tenants/${tenant.tenantId}/support-access`,
      { reason, ticket, scope: ['config:read'], duration: 'PT4H', origin: 'GB' },
      engineer,
    );
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    return { engineer, grantId: asked.body.grantId };
  }

  test('a support-access request is approved from the console', TIMEOUT, async () => {
    const { engineer, grantId } = await askSupportAccess('eng-42', 'SUP-4711', 'SSO login loop after the change');
    await page.getByRole('link', { name: 'Support access' }).click();
    await page.getByRole('heading', { name: /SUP-4711/ }).waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'support-access view');
    await page.screenshot({ path: screenshotPath('tenant-support-access') });
    const approved = page.waitForResponse((r) => /\/approve$/.test(r.url()));
    await page.getByRole('button', { name: 'Approve SUP-4711' }).click();
    assert.equal((await approved).status(), 200);
    await page.locator(`[data-grant-id="${grantId}"] .badge`, { hasText: 'active' }).waitFor();
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}`, engineer)).status, 200, 'the engineer now reads within the grant');
  });

  test("identity evidence recorded, fulfilment begun and a refusal with its reason, from a request's details", TIMEOUT, async () => {
    const submit = async (body: Record<string, unknown>) => {
      const created = await system.post<{ dsarId: string; status: string }>(`/api/tenants/${tenant.tenantId}/dsars`, body, tenant.adminToken);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body;
    };
    const checked = await submit({ type: 'access', subject: { email: 'checked@example.test' }, receivedAt: '2031-03-19T12:00:00Z', jurisdiction: 'GB-ENG', identityRequired: true });
    assert.equal(checked.status, 'awaiting-identity');
    const unfounded = await submit({ type: 'erasure', subject: { email: 'unfounded@example.test' }, receivedAt: '2031-03-19T13:00:00Z', jurisdiction: 'GB-ENG' });
    const statusOf = async (dsarId: string) =>
      (await system.get<{ status: string; transitions: { action: string }[] }>(`/api/tenants/${tenant.tenantId}/dsars/${dsarId}`, tenant.adminToken)).body;

    await page.getByRole('link', { name: 'Requests' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const details = async (dsarId: string) => {
      await page.locator(`#dsar-table tbody tr[data-dsar-id="${dsarId}"]`).getByRole('button', { name: /Details/ }).click();
      await page.getByRole('heading', { name: `Request ${dsarId}` }).waitFor();
    };
    await details(checked.dsarId);
    const identity = page.waitForResponse((r) => /\/identity$/.test(r.url()));
    await page.getByRole('button', { name: 'Identity received' }).click();
    assert.equal((await identity).status(), 200);
    await page.locator('.history li', { hasText: 'identity-received' }).waitFor();
    assert.deepEqual(await seriousViolations(page), [], 'request details');
    const fulfil = page.waitForResponse((r) => /\/fulfil$/.test(r.url()));
    await page.getByRole('button', { name: 'Fulfil' }).click();
    assert.equal((await fulfil).status(), 202);
    await page.locator('.history li', { hasText: 'begin-fulfilment' }).waitFor();
    await system.settle();
    const fulfilled = await statusOf(checked.dsarId);
    assert.deepEqual(
      { status: fulfilled.status, actions: fulfilled.transitions.map((t) => t.action) },
      { status: 'completed', actions: ['recorded', 'identity-received', 'begin-fulfilment', 'complete'] },
    );

    await details(unfounded.dsarId);
    await page.getByRole('button', { name: 'Refuse' }).click();
    await page.locator('[aria-invalid="true"]').first().waitFor(); // no reason: the API names the field
    assert.equal((await statusOf(unfounded.dsarId)).status, 'received', 'nothing changed');
    await page.getByLabel('Reason (to extend or refuse)').fill('Manifestly unfounded: the same request was answered last week.');
    const refused = page.waitForResponse((r) => /\/refuse$/.test(r.url()));
    await page.getByRole('button', { name: 'Refuse' }).click();
    assert.equal((await refused).status(), 200);
    await page.locator('.history li', { hasText: 'refuse' }).waitFor();
    assert.equal((await statusOf(unfounded.dsarId)).status, 'refused');
  });

  test('a support-access request is denied with its reason, which the API requires', TIMEOUT, async () => {
    const { engineer, grantId } = await askSupportAccess('eng-43', 'SUP-4712', 'Check a billing export');
    await page.getByRole('link', { name: 'Support access' }).click();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const item = page.locator(`[data-grant-id="${grantId}"]`);
    await item.getByRole('button', { name: 'Deny SUP-4712' }).click();
    await item.locator('[aria-invalid="true"]').waitFor();
    await item.getByLabel('Reason to deny SUP-4712').fill('Billing is out of scope for support; ask finance.');
    const denied = page.waitForResponse((r) => /\/deny$/.test(r.url()));
    await item.getByRole('button', { name: 'Deny SUP-4712' }).click();
    assert.equal((await denied).status(), 200);
    await item.locator('.badge', { hasText: 'denied' }).waitFor();
    assert.equal((await system.get(`/api/tenants/${tenant.tenantId}`, engineer)).status, 403, 'no access for the engineer');
  });

  test('an export is requested, shows progress, and offers its download', TIMEOUT, async () => {
    await page.getByRole('link', { name: 'Exports' }).click();
    await page.getByLabel('What').selectOption('users');
    const requested = page.waitForResponse((r) => /\/exports$/.test(r.url()) && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Request export' }).click();
    assert.equal((await requested).status(), 202);
    await system.settle();
    await page.getByRole('link', { name: /^Download / }).waitFor({ timeout: 120_000 });
    assert.deepEqual(await seriousViolations(page), [], 'exports view');
    await page.screenshot({ path: screenshotPath('tenant-exports') });
  });

  test('every customer view fits a phone width', TIMEOUT, async () => {
    const phone = await (await newContext(browser, { width: 360, height: 740 })).newPage();
    await signInAsAdmin(phone, system.url, tenant.tenantId);
    for (const view of ['tenant/dsars', 'tenant/notices', 'tenant/exports', 'tenant/termination', 'tenant/support']) {
      await phone.goto(`${system.url}/api/console/#/${view}`);
      await phone.locator('main h2').first().waitFor();
      await phone.waitForFunction("!document.querySelector('.progress')");
      const width = await fitsWidth(phone);
      assert.ok(width.fits, `${view} scrolls sideways at 360px: ${width.scrollWidth}px`);
    }
    await phone.context().close();
  });

  /** A tenant in its termination grace window, its administrator signed in on the termination view. */
  async function tenantInGrace(name: string): Promise<{ leaving: TenantFixture; admin: Page }> {
    const leaving = await provisionTenant(system, { name });
    const started = await system.post(`/api/tenants/${leaving.tenantId}/termination`, { disposition: 'delete' }, leaving.adminToken);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const admin = await (await newContext(browser)).newPage();
    await signInAsAdmin(admin, system.url, leaving.tenantId);
    await admin.getByRole('link', { name: 'Termination' }).click();
    await admin.locator('dd.phase', { hasText: 'grace' }).waitFor();
    return { leaving, admin };
  }

  test('after termination the certificate is shown, downloadable, and its signature verified in the page', TIMEOUT, async () => {
    const { leaving, admin } = await tenantInGrace('Leaving Ltd');
    await admin.getByRole('button', { name: 'Reactivate the tenancy' }).waitFor();
    assert.deepEqual(await seriousViolations(admin), [], 'termination view in the grace window');
    await admin.screenshot({ path: screenshotPath('tenant-termination-grace') });

    await system.advance('P31D');
    await system.settle();
    assert.ok((await opsToken(system)).length > 0);
    await admin.reload();
    await admin.getByRole('button', { name: 'Verify signature' }).click({ timeout: 120_000 });
    await admin.locator('#verify-result').waitFor();
    assert.match(await admin.locator('#verify-result').innerText(), /^Signature valid: signed by key /);
    const download = admin.waitForEvent('download');
    await admin.getByRole('link', { name: 'Download certificate' }).click();
    const saved = await (await download).path();
    const served = (await system.get<{ certificate: string }>(`/api/tenants/${leaving.tenantId}/deletion-certificate`, leaving.adminToken)).body.certificate;
    assert.equal(readFileSync(saved, 'utf8'), served, 'the downloaded file is the signed certificate');
    assert.deepEqual(await seriousViolations(admin), [], 'certificate view');
    await admin.getByRole('region', { name: 'Deletion certificate' }).screenshot({ path: screenshotPath('tenant-certificate') });
    await admin.context().close();
  });

  test('a tenancy in its grace window is reactivated from the console, and nothing is deleted when the grace would have ended', TIMEOUT, async () => {
    const { leaving: staying, admin } = await tenantInGrace('Staying Ltd');
    const reactivated = admin.waitForResponse((r) => /\/termination\/cancel$/.test(r.url()));
    await admin.getByRole('button', { name: 'Reactivate the tenancy' }).click();
    assert.equal((await reactivated).status(), 200);
    await admin.locator('dd.phase', { hasText: 'cancelled' }).waitFor();
    await admin.context().close();

    await system.advance('P31D');
    await system.settle();
    assert.equal((await system.get(`/api/tenants/${staying.tenantId}/deletion-certificate`, staying.adminToken)).status, 404, 'no deletion');
    const user = await system.post(`/api/tenants/${staying.tenantId}/users`, { name: 'Still Here', email: 'still.here@customer.test' }, staying.adminToken);
    assert.equal(user.status, 201, 'the tenancy works after the grace would have ended');
  });
});
