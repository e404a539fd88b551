// The views of a customer's administrators and DPO (tenant.admin): data-subject requests by due
// date, breach notices to acknowledge, exports, termination with its certificate, support access.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, newIdempotencyKey, type Api } from './api.js';
import { verifyCompactJws, type VerifyResult } from './verify.js';
import { ActionButton, Field, Problem, Progress, Section, Select, useLoad, when } from './ui.js';

interface DsarSummary {
  dsarId: string;
  type: string;
  status: string;
  receivedAt: string;
  dueOn: string;
  extendedDueOn?: string;
  daysLeft: number | null;
}
interface Dsar extends DsarSummary {
  jurisdiction: string;
  identityRequired: boolean;
  identityReceivedAt?: string;
  explanation: string[];
  transitions: { at: string; action: string; from: string | null; to: string; by: string }[];
}

const dueOf = (d: DsarSummary): string => d.extendedDueOn ?? d.dueOn;
export function daysLeftText(daysLeft: number | null): string {
  if (daysLeft === null) return 'waiting on the person';
  if (daysLeft < 0) return `overdue by ${-daysLeft} day${daysLeft === -1 ? '' : 's'}`;
  return daysLeft === 0 ? 'due today' : `${daysLeft} day${daysLeft === 1 ? '' : 's'} left`;
}

export function Dsars(props: { api: Api; tenantId: string }) {
  const { api, tenantId } = props;
  const dsars = useLoad(() => api.get<{ dsars: DsarSummary[] }>(`tenants/${tenantId}/dsars`));
  const [selected, setSelected] = useState<string>();
  const rows = [...(dsars.data?.dsars ?? [])].sort((a, b) => dueOf(a).localeCompare(dueOf(b)));
  return (
    <Section title="Open data-subject requests" id="dsars" actions={<ActionButton onClick={dsars.reload} busyText="Refreshing…">Refresh</ActionButton>}>
      <Problem error={dsars.error} />
      {dsars.loading && !dsars.data ? <Progress text="Loading requests…" /> : null}
      {dsars.data ? (
        <div class="table-wrap">
          <table id="dsar-table">
            <caption>Soonest due first; days left in the jurisdiction's own calendar</caption>
            <thead>
              <tr><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Received</th><th scope="col">Due</th><th scope="col">Days left</th><th scope="col"><span class="sr-only">Open</span></th></tr>
            </thead>
            <tbody>
              {rows.length === 0 ? <tr><td colSpan={6}>No open request.</td></tr> : null}
              {rows.map((d) => (
                <tr key={d.dsarId} class={d.daysLeft !== null && d.daysLeft <= 3 ? 'attention' : ''} data-dsar-id={d.dsarId}>
                  <td>{d.type}</td>
                  <td>{d.status}</td>
                  <td>{when(d.receivedAt)}</td>
                  <td class="due">{dueOf(d)}</td>
                  <td class="days-left">{daysLeftText(d.daysLeft)}</td>
                  <td>
                    <button type="button" class="btn" aria-expanded={selected === d.dsarId} onClick={() => setSelected(selected === d.dsarId ? undefined : d.dsarId)}>
                      Details<span class="sr-only"> of the {d.type} request due {dueOf(d)}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {selected ? <DsarDetail key={selected} api={api} tenantId={tenantId} dsarId={selected} onChange={dsars.reload} /> : null}
    </Section>
  );
}

function DsarDetail(props: { api: Api; tenantId: string; dsarId: string; onChange: () => Promise<void> }) {
  const { api, tenantId, dsarId } = props;
  const dsar = useLoad(() => api.get<Dsar>(`tenants/${tenantId}/dsars/${dsarId}`));
  const [reason, setReason] = useState('');
  const [receivedAt, setReceivedAt] = useState(() => new Date(api.serverNow()).toISOString().slice(0, 19) + 'Z');
  const [error, setError] = useState<unknown>();
  const [key, setKey] = useState(newIdempotencyKey);
  const act = (path: string, body: unknown) => async (): Promise<void> => {
    setError(undefined);
    try {
      await api.post(`tenants/${tenantId}/dsars/${dsarId}/${path}`, body, { idempotencyKey: key });
      setKey(newIdempotencyKey());
      setReason('');
      await Promise.all([dsar.reload(), props.onChange()]);
    } catch (e) {
      setError(e);
    }
  };
  const err = (path: string) => (error instanceof ApiError ? error.forField(path) : undefined);
  const d = dsar.data;
  return (
    <div class="panel" aria-live="polite">
      <h3>Request {dsarId}</h3>
      <Problem error={dsar.error} />
      {d ? (
        <>
          <p>{d.type} · {d.jurisdiction} · {d.status} · due {dueOf(d)} ({daysLeftText(d.daysLeft)})</p>
          {d.explanation.length > 0 ? <ul class="muted">{d.explanation.map((line) => <li key={line}>{line}</li>)}</ul> : null}
          <h4>History</h4>
          <ol class="history">
            {d.transitions.map((t, i) => <li key={i}>{when(t.at)}: {t.action} ({t.from ?? '—'} → {t.to}) by {t.by}</li>)}
          </ol>
          <h4>Actions</h4>
          <Problem error={error} />
          {d.identityRequired && !d.identityReceivedAt ? (
            <div class="inline-form">
              <Field label="Identity evidence received at" value={receivedAt} onInput={setReceivedAt} error={err('receivedAt')} />
              <ActionButton onClick={act('identity', { receivedAt })} busyText="Recording…">Identity received</ActionButton>
            </div>
          ) : null}
          <Field label="Reason (to extend or refuse)" multiline value={reason} onInput={setReason} error={err('reason')} />
          <div class="button-row">
            <ActionButton onClick={act('extend', { reason })} busyText="Extending…">Extend</ActionButton>
            <ActionButton kind="primary" onClick={act('fulfil', {})} busyText="Fulfilling…">Fulfil</ActionButton>
            <ActionButton kind="danger" onClick={act('refuse', { reason })} busyText="Refusing…">Refuse</ActionButton>
          </div>
        </>
      ) : (
        <Progress text="Loading the request…" />
      )}
    </div>
  );
}

interface BreachNotice {
  noticeId: string;
  breachId: string;
  kind: string;
  seq: number;
  firstSentAt: string | null;
  content: { notifyBy: string; content: { summary: string; nature: string; measures: string }; update?: { information: string } };
  acknowledged: { at: string; by: string } | null;
}

const noticeName = (n: { kind: string; seq: number }): string => (n.kind === 'initial' ? 'initial notice' : `update ${n.seq}`);

export function Notices(props: { api: Api; tenantId: string }) {
  const { api, tenantId } = props;
  const notices = useLoad(() => api.get<{ notices: BreachNotice[] }>(`tenants/${tenantId}/breach-notices`));
  const [error, setError] = useState<unknown>();
  return (
    <Section title="Breach notices" id="notices" actions={<ActionButton onClick={notices.reload} busyText="Refreshing…">Refresh</ActionButton>}>
      <Problem error={notices.error ?? error} />
      {notices.loading && !notices.data ? <Progress text="Loading notices…" /> : null}
      {notices.data && notices.data.notices.length === 0 ? <p>No breach notice.</p> : null}
      <ul class="plain-list">
        {(notices.data?.notices ?? []).map((n) => (
          <li key={n.noticeId} class={`notice${n.acknowledged ? '' : ' pending'}`} data-notice-id={n.noticeId}>
            <h3>{n.content.content.summary} <span class="muted">({noticeName(n)})</span></h3>
            <p>{n.content.update?.information ?? n.content.content.nature}</p>
            <p class="meta">Sent {when(n.firstSentAt)} · breach {n.breachId}</p>
            {n.acknowledged ? (
              <p class="ack">Acknowledged {when(n.acknowledged.at)} by {n.acknowledged.by}</p>
            ) : (
              <ActionButton
                kind="primary"
                busyText="Acknowledging…"
                label={`Acknowledge the ${noticeName(n)} of breach ${n.breachId}`}
                onClick={async () => {
                  setError(undefined);
                  try {
                    await api.post(`tenants/${tenantId}/breach-notices/${n.noticeId}/acknowledge`, {}, { idempotencyKey: `ack-${n.noticeId}` });
                    await notices.reload();
                  } catch (e) {
                    setError(e);
                  }
                }}
              >
                Acknowledge
              </ActionButton>
            )}
          </li>
        ))}
      </ul>
    </Section>
  );
}

interface ExportView {
  exportId: string;
  kind: string;
  format: string;
  status: 'running' | 'ready' | 'failed';
  requestedAt: string;
  rows?: number;
  download?: { url: string; expiresAt: string };
  failure?: string;
}

/** The exports this browser asked for (the API has no list of them), newest first. */
const remembered = (tenantId: string): string[] => JSON.parse(localStorage.getItem(`exports:${tenantId}`) ?? '[]') as string[];

export function Exports(props: { api: Api; tenantId: string }) {
  const { api, tenantId } = props;
  const [kind, setKind] = useState('users');
  const [format, setFormat] = useState('csv');
  const [error, setError] = useState<unknown>();
  const [items, setItems] = useState<ExportView[]>([]);
  const refresh = async (): Promise<void> => {
    const views = await Promise.all(remembered(tenantId).map((id) => api.get<ExportView>(`tenants/${tenantId}/exports/${id}`).catch(() => undefined)));
    setItems(views.filter((v): v is ExportView => v !== undefined));
  };
  useEffect(() => {
    void refresh();
  }, [tenantId]);
  const running = items.some((i) => i.status === 'running');
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(() => void refresh(), 1500);
    return () => clearInterval(timer);
  }, [running]);
  return (
    <Section title="Exports" id="exports">
      <div class="inline-form">
        <Select label="What" value={kind} onChange={setKind} options={[['users', 'Users'], ['audit', 'Audit log'], ['support-access', 'Support-access grants'], ['support-access-log', 'Support-access log']]} />
        <Select label="Format" value={format} onChange={setFormat} options={[['csv', 'CSV'], ['json', 'JSON']]} />
        <ActionButton
          kind="primary"
          busyText="Requesting…"
          onClick={async () => {
            setError(undefined);
            try {
              const view = await api.post<ExportView>(`tenants/${tenantId}/exports`, { kind, format }, { idempotencyKey: newIdempotencyKey() });
              localStorage.setItem(`exports:${tenantId}`, JSON.stringify([view.exportId, ...remembered(tenantId)].slice(0, 20)));
              await refresh();
            } catch (e) {
              setError(e);
            }
          }}
        >
          Request export
        </ActionButton>
      </div>
      <Problem error={error} />
      <ul class="plain-list">
        {items.map((i) => (
          <li key={i.exportId} class="export" data-export-id={i.exportId}>
            {i.kind} ({i.format}) requested {when(i.requestedAt)}:{' '}
            {i.status === 'running' ? <Progress text="Being prepared…" /> : null}
            {i.status === 'ready' && i.download ? (
              <a href={i.download.url} download>Download {i.rows ?? 0} rows (link expires {when(i.download.expiresAt)})</a>
            ) : null}
            {i.status === 'failed' ? <span class="error-text">failed: {i.failure}</span> : null}
          </li>
        ))}
      </ul>
    </Section>
  );
}

interface Termination {
  phase: string;
  disposition: string;
  requestedAt: string;
  graceEndsAt: string;
  certificates: { kind: string; issuedAt: string }[];
}

export function TerminationView(props: { api: Api; tenantId: string }) {
  const { api, tenantId } = props;
  const termination = useLoad(() => api.get<Termination>(`tenants/${tenantId}/termination`));
  const [error, setError] = useState<unknown>();
  const none = termination.error instanceof ApiError && termination.error.status === 404;
  const t = termination.data;
  return (
    <>
      <Section title="Termination" id="termination">
        {none ? <p>The tenancy is active; no termination was requested.</p> : <Problem error={termination.error} />}
        {termination.loading && !t ? <Progress text="Loading…" /> : null}
        {t ? (
          <dl class="facts">
            <dt>Phase</dt><dd class="phase">{t.phase}</dd>
            <dt>Disposition</dt><dd>{t.disposition}</dd>
            <dt>Requested</dt><dd>{when(t.requestedAt)}</dd>
            <dt>Grace ends</dt><dd>{when(t.graceEndsAt)}</dd>
          </dl>
        ) : null}
        <Problem error={error} />
        {t && (t.phase === 'grace' || t.phase === 'scheduled') ? (
          <ActionButton
            kind="primary"
            busyText="Reactivating…"
            onClick={async () => {
              setError(undefined);
              try {
                await api.post(`tenants/${tenantId}/termination/cancel`, {});
                await termination.reload();
              } catch (e) {
                setError(e);
              }
            }}
          >
            Reactivate the tenancy
          </ActionButton>
        ) : null}
      </Section>
      {t && t.certificates.length > 0 ? <Certificate api={api} tenantId={tenantId} /> : null}
    </>
  );
}

function Certificate(props: { api: Api; tenantId: string }) {
  const { api, tenantId } = props;
  const cert = useLoad(() => api.get<{ certificate: string; claims: Record<string, unknown> }>(`tenants/${tenantId}/deletion-certificate`));
  const [result, setResult] = useState<VerifyResult>();
  const c = cert.data;
  return (
    <Section title="Deletion certificate" id="certificate">
      <Problem error={cert.error} />
      {c ? (
        <>
          <pre class="claims" tabIndex={0} aria-label="Certificate claims">{JSON.stringify(c.claims, null, 2)}</pre>
          <div class="button-row">
            <a class="btn" href={URL.createObjectURL(new Blob([c.certificate], { type: 'application/jose' }))} download={`deletion-certificate-${tenantId}.jws`}>
              Download certificate
            </a>
            <ActionButton
              busyText="Verifying…"
              onClick={async () => {
                const response = await fetch('/api/.well-known/jwks.json');
                setResult(await verifyCompactJws(c.certificate, (await response.json()) as { keys: JsonWebKey[] }));
              }}
            >
              Verify signature
            </ActionButton>
          </div>
          {result ? (
            <p role="status" class={result.valid ? 'valid' : 'error-text'} id="verify-result">
              {result.valid ? `Signature valid: signed by key ${result.kid} (ES256), checked in this browser against the published keys.` : `Signature NOT valid: ${result.reason}`}
            </p>
          ) : null}
        </>
      ) : (
        <Progress text="Loading the certificate…" />
      )}
    </Section>
  );
}

interface Grant {
  grantId: string;
  engineer: string;
  reason: string;
  ticket: string;
  scope: string[];
  duration: string;
  emergency: boolean;
  origin: { country: string };
  transfer: { basis: string } | null;
  status: string;
  requestedAt: string;
  decideBy: string;
  expiresAt?: string;
}

export function SupportAccess(props: { api: Api; tenantId: string }) {
  const { api, tenantId } = props;
  const grants = useLoad(() => api.get<{ grants: Grant[] }>(`tenants/${tenantId}/support-access`));
  return (
    <Section title="Support-access requests" id="support" actions={<ActionButton onClick={grants.reload} busyText="Refreshing…">Refresh</ActionButton>}>
      <Problem error={grants.error} />
      {grants.loading && !grants.data ? <Progress text="Loading…" /> : null}
      {grants.data && grants.data.grants.length === 0 ? <p>No support-access request.</p> : null}
      <ul class="plain-list">
        {(grants.data?.grants ?? []).map((g) => <GrantItem key={g.grantId} api={api} tenantId={tenantId} grant={g} onChange={grants.reload} />)}
      </ul>
    </Section>
  );
}

function GrantItem(props: { api: Api; tenantId: string; grant: Grant; onChange: () => Promise<void> }) {
  const { api, tenantId, grant: g } = props;
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>();
  const decide = (action: 'approve' | 'deny') => async (): Promise<void> => {
    setError(undefined);
    try {
      await api.post(`tenants/${tenantId}/support-access/${g.grantId}/${action}`, action === 'deny' ? { reason } : {});
      await props.onChange();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <li class={`grant ${g.status}`} data-grant-id={g.grantId}>
      <h3>{g.ticket}: {g.reason}</h3>
      <p class="meta">
        <span class={`badge ${g.status}`}>{g.status}</span> engineer {g.engineer} from {g.origin.country} · {g.scope.join(', ')} for {g.duration}
        {g.emergency ? ' · break-glass' : ''}{g.transfer ? ` · transfer under ${g.transfer.basis}` : ''}
        {g.status === 'pending' ? ` · decide by ${when(g.decideBy)}` : ''}{g.expiresAt ? ` · until ${when(g.expiresAt)}` : ''}
      </p>
      <Problem error={error} />
      {g.status === 'pending' ? (
        <div class="inline-form">
          <Field label={`Reason to deny ${g.ticket}`} value={reason} onInput={setReason} error={error instanceof ApiError ? error.forField('reason') : undefined} />
          <ActionButton kind="primary" onClick={decide('approve')} busyText="Approving…" label={`Approve ${g.ticket}`}>Approve</ActionButton>
          <ActionButton kind="danger" onClick={decide('deny')} busyText="Denying…" label={`Deny ${g.ticket}`}>Deny</ActionButton>
        </div>
      ) : null}
    </li>
  );
}
