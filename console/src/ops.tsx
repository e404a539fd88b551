// The views of vendor staff on call (ops.breach, ops.platform): the breach board with its live
// clocks, the form that opens a breach, and the flows and tenants that need attention.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, newIdempotencyKey, type Api } from './api.js';
import { ActionButton, Field, Problem, Progress, Section, Select, countdown, useLoad, when } from './ui.js';

interface Notice {
  noticeId: string;
  seq: number;
  kind: string;
  firstSentAt: string | null;
  resends: number;
  acknowledgedAt: string | null;
}
interface Breach {
  breachId: string;
  status: 'draft' | 'notifying' | 'closed';
  phase: string;
  awareAt: string;
  notifyBy: string;
  notifyTarget: string;
  notification: { releasedAt: string; afterTarget: boolean; delayReason: string | null } | null;
  facts: { summary: string; status: string | null };
  tenants: { tenantId: string; notices: Notice[]; alerts: unknown[] }[];
  updates: unknown[];
}
interface TenantSummary {
  tenantId: string;
  name: string;
  region: string;
  status: string;
}

const noticeName = (n: { kind: string; seq: number }): string => (n.kind === 'initial' ? 'initial notice' : `update ${n.seq}`);

/** Ticks once a second so every clock on the page moves; the time itself comes from the server. */
function useServerNow(api: Api): number {
  const [now, setNow] = useState(api.serverNow());
  useEffect(() => {
    const timer = setInterval(() => setNow(api.serverNow()), 1000);
    return () => clearInterval(timer);
  }, [api]);
  return now;
}

export function BreachBoard(props: { api: Api }) {
  const { api } = props;
  const board = useLoad(() => api.get<{ breaches: Breach[] }>('breaches'));
  const now = useServerNow(api);
  const open = (board.data?.breaches ?? []).filter((b) => b.status !== 'closed').sort((a, b) => a.notifyBy.localeCompare(b.notifyBy));
  return (
    <Section title="Open breaches" id="board" actions={<ActionButton onClick={board.reload} busyText="Refreshing…">Refresh</ActionButton>}>
      <Problem error={board.error} />
      {board.loading && !board.data ? <Progress text="Loading the register…" /> : null}
      {board.data && open.length === 0 ? <p>No open breach.</p> : null}
      <ul class="plain-list">
        {open.map((b) => <BreachCard key={b.breachId} api={api} breach={b} now={now} onChange={board.reload} />)}
      </ul>
    </Section>
  );
}

function BreachCard(props: { api: Api; breach: Breach; now: number; onChange: () => Promise<void> }) {
  const { api, breach: b, now } = props;
  const left = Date.parse(b.notifyBy) - now;
  const targetLeft = Date.parse(b.notifyTarget) - now;
  const notified = b.notification !== null;
  const urgent = !notified && left < 24 * 3600_000;
  return (
    <li class={`breach${urgent ? ' urgent' : ''}`} data-breach-id={b.breachId}>
      <h3>{b.facts.summary}</h3>
      <p class="meta">
        <span class={`badge ${b.status}`}>{b.status}</span> {b.breachId} · aware {when(b.awareAt)}
      </p>
      <dl class="clocks">
        <div>
          <dt>Notify by (72 h)</dt>
          <dd>
            {when(b.notifyBy)}
            <br />
            {notified ? <span>notified {when(b.notification?.releasedAt)}</span> : <strong class="countdown" role="timer" aria-live="off">{countdown(left)}</strong>}
          </dd>
        </div>
        <div>
          <dt>Internal target</dt>
          <dd>
            {when(b.notifyTarget)}
            <br />
            {notified ? (b.notification?.afterTarget ? 'met late' : 'met') : <span class="target">{targetLeft >= 0 ? countdown(targetLeft) : 'passed: a delay reason is needed'}</span>}
          </dd>
        </div>
      </dl>
      <div class="table-wrap">
        <table>
          <caption>Notices per tenant</caption>
          <thead>
            <tr><th scope="col">Tenant</th><th scope="col">Notice</th><th scope="col">Sent</th><th scope="col">Acknowledged</th></tr>
          </thead>
          <tbody>
            {b.tenants.length === 0 ? <tr><td colSpan={4}>{notified ? 'No tenant resolved' : 'Not sent yet (draft)'}</td></tr> : null}
            {b.tenants.flatMap((t) =>
              (t.notices.length > 0 ? t.notices : [undefined]).map((n, i) => (
                <tr key={`${t.tenantId}-${n?.noticeId ?? i}`} class={n && !n.acknowledgedAt ? 'pending' : ''}>
                  <td>{t.tenantId}</td>
                  <td>{n ? noticeName(n) : '—'}</td>
                  <td class="sent">{n?.firstSentAt ? `${when(n.firstSentAt)}${n.resends ? ` (+${n.resends} re-sent)` : ''}` : 'not yet'}</td>
                  <td class="ack">{n?.acknowledgedAt ? `yes, ${when(n.acknowledgedAt)}` : 'no'}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </div>
      <BreachActions api={api} breach={b} targetPassed={targetLeft < 0} onChange={props.onChange} />
    </li>
  );
}

function BreachActions(props: { api: Api; breach: Breach; targetPassed: boolean; onChange: () => Promise<void> }) {
  const { api, breach: b } = props;
  const [open, setOpen] = useState<'none' | 'notify' | 'update' | 'close'>('none');
  const [delayReason, setDelayReason] = useState('');
  const [information, setInformation] = useState('');
  const [outcome, setOutcome] = useState('');
  const [reasoning, setReasoning] = useState('');
  const [error, setError] = useState<unknown>();
  const [key] = useState(newIdempotencyKey);
  const run = async (action: () => Promise<unknown>): Promise<void> => {
    setError(undefined);
    try {
      await action();
      setOpen('none');
      await props.onChange();
    } catch (e) {
      setError(e);
    }
  };
  const fieldError = (path: string) => (error instanceof ApiError ? error.forField(path) : undefined);
  const draft = b.status === 'draft';
  return (
    <div class="actions">
      <div class="button-row">
        {draft ? <button type="button" class="btn primary" aria-expanded={open === 'notify'} onClick={() => setOpen('notify')}>Notify tenants…</button> : null}
        {!draft ? <button type="button" class="btn" aria-expanded={open === 'update'} onClick={() => setOpen('update')}>Add update…</button> : null}
        <button type="button" class="btn" aria-expanded={open === 'close'} onClick={() => setOpen('close')}>Close…</button>
      </div>
      <Problem error={error} />
      {open === 'notify' ? (
        <div class="panel">
          {props.targetPassed ? (
            <Field label="Delay reason (the internal target has passed)" multiline value={delayReason} onInput={setDelayReason} error={fieldError('delayReason')} />
          ) : null}
          <ActionButton kind="primary" busyText="Sending notices…" onClick={() => run(() => api.post(`breaches/${b.breachId}/notify`, delayReason ? { delayReason } : {}))}>
            Send notices now
          </ActionButton>
        </div>
      ) : null}
      {open === 'update' ? (
        <div class="panel">
          <Field label="Further information (Art 33(4))" multiline required value={information} onInput={setInformation} error={fieldError('information')} />
          <ActionButton kind="primary" busyText="Sending the update…" onClick={() => run(() => api.post(`breaches/${b.breachId}/updates`, { information }, { idempotencyKey: key }))}>
            Send update
          </ActionButton>
        </div>
      ) : null}
      {open === 'close' ? (
        <div class="panel">
          <Field label="Outcome" multiline required value={outcome} onInput={setOutcome} error={fieldError('outcome')} />
          {draft ? <Field label="Why it is not notifiable" multiline value={reasoning} onInput={setReasoning} error={fieldError('reasoning')} /> : null}
          <ActionButton
            kind="danger"
            busyText="Closing…"
            onClick={() => run(() => api.post(`breaches/${b.breachId}/close`, draft ? { outcome, notifiable: false, reasoning } : { outcome }))}
          >
            Close breach
          </ActionButton>
        </div>
      ) : null}
    </div>
  );
}

const FORM_LABELS: Record<string, string> = {
  awareAt: 'Became aware at',
  summary: 'Summary',
  nature: 'Nature of the breach',
  categoriesOfData: 'Categories of personal data',
  categoriesOfSubjects: 'Categories of data subjects',
  approxSubjects: 'Approximate number of data subjects',
  approxRecords: 'Approximate number of records',
  likelyConsequences: 'Likely consequences',
  measures: 'Measures taken or proposed',
  occurredFrom: 'Occurred from',
  occurredTo: 'Occurred to',
  status: 'Status',
  contactPoint: 'Contact point',
  affectedTenants: 'Affected tenants',
  delayReason: 'Delay reason',
};

const emptyForm = {
  awareAt: '',
  summary: '',
  nature: '',
  categoriesOfData: '',
  categoriesOfSubjects: '',
  approxSubjects: '',
  approxRecords: '',
  likelyConsequences: '',
  measures: '',
  occurredFrom: '',
  occurredTo: '',
  status: 'ongoing',
  contactName: '',
  contactEmail: '',
  contactPhone: '',
  scope: 'tenants',
  region: 'uksouth',
  tenants: [] as string[],
  draft: true,
  delayReason: '',
};
type BreachForm = typeof emptyForm;

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
const count = (text: string): number | null | string => (text.trim() === '' ? null : /^\d+$/.test(text.trim()) ? Number(text.trim()) : text);

/** The request body, exactly what the form says: the API validates it and names each field at fault. */
export function breachBody(f: BreachForm): Record<string, unknown> {
  return {
    awareAt: f.awareAt.trim(),
    summary: f.summary,
    nature: f.nature,
    categoriesOfData: list(f.categoriesOfData),
    categoriesOfSubjects: list(f.categoriesOfSubjects),
    approxSubjects: count(f.approxSubjects),
    approxRecords: count(f.approxRecords),
    likelyConsequences: f.likelyConsequences,
    measures: f.measures,
    occurredFrom: f.occurredFrom.trim() || null,
    occurredTo: f.occurredTo.trim() || null,
    status: f.status,
    ...(f.contactName || f.contactEmail ? { contactPoint: { name: f.contactName, email: f.contactEmail, ...(f.contactPhone ? { phone: f.contactPhone } : {}) } } : {}),
    affectedTenants: f.scope === 'all' ? { all: true } : f.scope === 'region' ? { region: f.region } : f.tenants,
    draft: f.draft,
    ...(f.delayReason ? { delayReason: f.delayReason } : {}),
  };
}

export function OpenBreach(props: { api: Api; onOpened: (breachId: string) => void }) {
  const { api } = props;
  const [form, setForm] = useState<BreachForm>(() => ({ ...emptyForm, awareAt: new Date(api.serverNow()).toISOString().slice(0, 19) + 'Z' }));
  const [error, setError] = useState<unknown>();
  const [key, setKey] = useState(newIdempotencyKey);
  const tenants = useLoad(() => api.get<{ tenants: TenantSummary[] }>('tenants'));
  const set = <K extends keyof BreachForm>(k: K) => (v: BreachForm[K]) => setForm((f) => ({ ...f, [k]: v }));
  const err = (path: string) => (error instanceof ApiError ? error.forField(path) : undefined);
  const submit = async (): Promise<void> => {
    setError(undefined);
    try {
      const opened = await api.post<{ breachId: string }>('breaches', breachBody(form), { idempotencyKey: key });
      setKey(newIdempotencyKey());
      setForm({ ...emptyForm, awareAt: new Date(api.serverNow()).toISOString().slice(0, 19) + 'Z' });
      props.onOpened(opened.breachId);
    } catch (e) {
      setError(e); // the form keeps every value: fix the named fields and send again
      document.getElementById('open-breach-problem')?.focus();
    }
  };
  const activeTenants = (tenants.data?.tenants ?? []).filter((t) => t.status !== 'deleted');
  return (
    <Section title="Open a breach" id="open-breach">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <div id="open-breach-problem" tabIndex={-1}>
          <Problem error={error} labels={FORM_LABELS} />
        </div>
        <fieldset>
          <legend>What happened (Art 33(3)(a))</legend>
          <Field label={FORM_LABELS['awareAt']!} hint="ISO 8601 instant with offset, e.g. 2026-05-01T09:30:00Z" required value={form.awareAt} onInput={set('awareAt')} error={err('awareAt')} />
          <Field label={FORM_LABELS['summary']!} required value={form.summary} onInput={set('summary')} error={err('summary')} />
          <Field label={FORM_LABELS['nature']!} multiline required value={form.nature} onInput={set('nature')} error={err('nature')} />
          <Field label={FORM_LABELS['categoriesOfData']!} hint="Comma-separated" required value={form.categoriesOfData} onInput={set('categoriesOfData')} error={err('categoriesOfData')} />
          <Field label={FORM_LABELS['categoriesOfSubjects']!} hint="Comma-separated" value={form.categoriesOfSubjects} onInput={set('categoriesOfSubjects')} error={err('categoriesOfSubjects')} />
          <div class="two">
            <Field label={FORM_LABELS['approxSubjects']!} hint="Empty if not yet known" type="text" value={form.approxSubjects} onInput={set('approxSubjects')} error={err('approxSubjects')} />
            <Field label={FORM_LABELS['approxRecords']!} hint="Empty if not yet known" type="text" value={form.approxRecords} onInput={set('approxRecords')} error={err('approxRecords')} />
          </div>
          <div class="two">
            <Field label={FORM_LABELS['occurredFrom']!} hint="ISO instant; empty if unknown" value={form.occurredFrom} onInput={set('occurredFrom')} error={err('occurredFrom')} />
            <Field label={FORM_LABELS['occurredTo']!} hint="ISO instant; empty while unknown" value={form.occurredTo} onInput={set('occurredTo')} error={err('occurredTo')} />
          </div>
          <Select label={FORM_LABELS['status']!} value={form.status} onChange={set('status')} options={[['ongoing', 'Ongoing'], ['contained', 'Contained'], ['resolved', 'Resolved']]} error={err('status')} />
        </fieldset>
        <fieldset>
          <legend>Consequences and measures (Art 33(3)(c), (d))</legend>
          <Field label={FORM_LABELS['likelyConsequences']!} multiline required value={form.likelyConsequences} onInput={set('likelyConsequences')} error={err('likelyConsequences')} />
          <Field label={FORM_LABELS['measures']!} multiline required value={form.measures} onInput={set('measures')} error={err('measures')} />
        </fieldset>
        <fieldset>
          <legend>Contact point (Art 33(3)(b)); empty for the DPO</legend>
          <div class="two">
            <Field label="Contact name" value={form.contactName} onInput={set('contactName')} error={err('contactPoint.name')} />
            <Field label="Contact email" type="email" value={form.contactEmail} onInput={set('contactEmail')} error={err('contactPoint.email')} />
          </div>
          <Field label="Contact phone" type="tel" value={form.contactPhone} onInput={set('contactPhone')} error={err('contactPoint.phone')} />
        </fieldset>
        <fieldset>
          <legend>Affected tenants</legend>
          <Select label="Who is affected" value={form.scope} onChange={set('scope')} options={[['tenants', 'Chosen tenants'], ['region', 'Every tenant of a region'], ['all', 'Every tenant']]} />
          {form.scope === 'region' ? <Select label="Region" value={form.region} onChange={set('region')} options={[['uksouth', 'UK South'], ['eu', 'EU']]} /> : null}
          {form.scope === 'tenants' ? (
            <div class={`checks${err('affectedTenants') ? ' invalid' : ''}`} role="group" aria-label="Tenants">
              {tenants.loading && !tenants.data ? <Progress text="Loading tenants…" /> : null}
              {activeTenants.map((t) => (
                <label key={t.tenantId} class="check">
                  <input
                    type="checkbox"
                    checked={form.tenants.includes(t.tenantId)}
                    onChange={(e) => {
                      const on = (e.currentTarget as HTMLInputElement).checked;
                      set('tenants')(on ? [...form.tenants, t.tenantId] : form.tenants.filter((x) => x !== t.tenantId));
                    }}
                  />
                  {t.name} <span class="muted">({t.tenantId}, {t.status})</span>
                </label>
              ))}
              {err('affectedTenants') ? <p class="error-text">{err('affectedTenants')}</p> : null}
            </div>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>Sending</legend>
          <label class="check">
            <input type="checkbox" checked={form.draft} onChange={(e) => set('draft')((e.currentTarget as HTMLInputElement).checked)} />
            Draft: record it and start the clock, send the notices later
          </label>
          <Field label={FORM_LABELS['delayReason']!} hint="Needed when notifying after the internal target" multiline value={form.delayReason} onInput={set('delayReason')} error={err('delayReason')} />
        </fieldset>
        <ActionButton kind="primary" busyText="Opening the breach…" onClick={submit}>
          {form.draft ? 'Open as draft' : 'Open and notify'}
        </ActionButton>
      </form>
    </Section>
  );
}

interface Flow {
  kind: string;
  instanceId: string;
  tenantId: string | null;
  deadline: string | null;
  dueAt: string | null;
  instanceStatus: string;
  lastError: string | null;
  attention: boolean;
  reasons: string[];
}

export function Attention(props: { api: Api }) {
  const { api } = props;
  const flows = useLoad(() => api.get<{ flows: Flow[] }>('ops/workflows'));
  const tenants = useLoad(() => api.get<{ tenants: TenantSummary[] }>('tenants'));
  const rows = [...(flows.data?.flows ?? [])].sort((a, b) => Number(b.attention) - Number(a.attention) || (a.dueAt ?? '~').localeCompare(b.dueAt ?? '~'));
  const inGrace = (tenants.data?.tenants ?? []).filter((t) => t.status === 'in-grace' || t.status === 'terminating');
  return (
    <>
      <Section title="Workflows" id="workflows" actions={<ActionButton onClick={flows.reload} busyText="Refreshing…">Refresh</ActionButton>}>
        {flows.error instanceof ApiError && flows.error.status === 403 ? <p>Your roles do not include reading workflows (ops.platform).</p> : <Problem error={flows.error} />}
        {flows.loading && !flows.data ? <Progress text="Loading workflows…" /> : null}
        {flows.data ? (
          <div class="table-wrap">
            <table>
              <caption>Open flows, those needing attention first</caption>
              <thead>
                <tr><th scope="col">Kind</th><th scope="col">Tenant</th><th scope="col">Due</th><th scope="col">Status</th><th scope="col">Attention</th></tr>
              </thead>
              <tbody>
                {rows.length === 0 ? <tr><td colSpan={5}>No open flow.</td></tr> : null}
                {rows.map((f) => (
                  <tr key={f.instanceId} class={f.attention ? 'attention' : ''}>
                    <td>{f.kind}</td>
                    <td>{f.tenantId ?? '—'}</td>
                    <td>{f.dueAt ? when(f.dueAt) : (f.deadline ?? '—')}</td>
                    <td>{f.instanceStatus}{f.lastError ? ` (${f.lastError})` : ''}</td>
                    <td>{f.attention ? <strong>needs attention: {f.reasons.join(', ')}</strong> : 'fine'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Section>
      <Section title="Tenants in their grace window" id="grace">
        <Problem error={tenants.error} />
        {tenants.data && inGrace.length === 0 ? <p>None.</p> : null}
        <ul>
          {inGrace.map((t) => <li key={t.tenantId}>{t.name} ({t.tenantId}, {t.region}): {t.status}</li>)}
        </ul>
      </Section>
    </>
  );
}
