// Shared pieces of every view: labelled fields with their API error, the problem summary, buttons
// that show progress and stay usable by keyboard, and date formatting.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';

let fieldSeq = 0;
const nextId = (): string => `f${++fieldSeq}`;

export function Field(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  type?: string;
  multiline?: boolean;
  required?: boolean;
  name?: string;
}) {
  const [id] = useState(nextId);
  const describedBy = [props.hint ? `${id}-hint` : '', props.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name ?? id,
    value: props.value,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': describedBy,
    required: props.required,
    onInput: (e: Event) => props.onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>
        {props.label}
        {props.required ? <span aria-hidden="true"> *</span> : null}
      </label>
      {props.hint ? <p id={`${id}-hint`} class="hint">{props.hint}</p> : null}
      {props.multiline ? <textarea rows={3} {...common} /> : <input type={props.type ?? 'text'} {...common} />}
      {props.error ? <p id={`${id}-error`} class="error-text">{props.error}</p> : null}
    </div>
  );
}

export function Select(props: { label: string; value: string; onChange: (value: string) => void; options: [string, string][]; error?: string | undefined }) {
  const [id] = useState(nextId);
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} aria-invalid={props.error ? true : undefined} onChange={(e) => props.onChange((e.currentTarget as HTMLSelectElement).value)}>
        {props.options.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
      </select>
      {props.error ? <p class="error-text">{props.error}</p> : null}
    </div>
  );
}

/** The API's refusal in words: title, detail and each field at fault. */
export function Problem(props: { error: unknown; labels?: Record<string, string> }) {
  if (!props.error) return null;
  const e = props.error;
  if (!(e instanceof ApiError)) return <div role="alert" class="problem">Something went wrong: {String(e)}</div>;
  return (
    <div role="alert" class="problem">
      <p><strong>{e.title}</strong>{e.detail ? ` — ${e.detail}` : ''}</p>
      {e.errors.length > 0 ? (
        <ul>
          {e.errors.map((f) => <li key={f.path}>{props.labels?.[f.path.split('.')[0] ?? ''] ?? f.path}: {f.message}</li>)}
        </ul>
      ) : null}
    </div>
  );
}

/** A button whose action may take a while: it says so (aria-busy, a progress text) and cannot be pressed twice. */
export function ActionButton(props: { onClick: () => Promise<unknown>; children: ComponentChildren; kind?: 'primary' | 'danger' | 'plain'; busyText?: string; label?: string }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      class={`btn ${props.kind ?? 'plain'}`}
      aria-busy={busy}
      aria-label={props.label}
      disabled={busy}
      onClick={() => {
        setBusy(true);
        props.onClick().finally(() => setBusy(false)).catch(() => undefined);
      }}
    >
      {busy ? (props.busyText ?? 'Working…') : props.children}
    </button>
  );
}

export function Progress(props: { text: string }) {
  return <p role="status" class="progress"><span class="spinner" aria-hidden="true" />{props.text}</p>;
}

export function Section(props: { title: string; children: ComponentChildren; actions?: ComponentChildren; id?: string }) {
  return (
    <section aria-labelledby={`${props.id ?? props.title}-h`} class="card" id={props.id}>
      <div class="card-head">
        <h2 id={`${props.id ?? props.title}-h`}>{props.title}</h2>
        {props.actions}
      </div>
      {props.children}
    </section>
  );
}

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—');

/** "2d 03:04:05" or "overdue by …", from milliseconds left. */
export function countdown(ms: number): string {
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const text = `${d > 0 ? `${d}d ` : ''}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return ms >= 0 ? text : `overdue by ${text}`;
}

/** Loads once and on demand; keeps the last good value while reloading. */
export function useLoad<T>(load: () => Promise<T>): { data: T | undefined; error: unknown; loading: boolean; reload: () => Promise<void> } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const reload = async (): Promise<void> => {
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      setState({ data, error: undefined, loading: false });
    } catch (error) {
      setState((s) => ({ ...s, error, loading: false }));
    }
  };
  useEffect(() => {
    void reload();
  }, []);
  return { ...state, reload };
}
