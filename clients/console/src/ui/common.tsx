/** Small shared pieces: page header, badges, labelled fields, user errors, dialogs, definition lists. */
import { useEffect, useId, useRef, useState, type ReactNode, type InputHTMLAttributes, type SelectHTMLAttributes, type TextareaHTMLAttributes } from 'react';
import { useT } from '@imagy/web-kit/i18n';
import { common } from '@imagy/web-kit/messages';

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="subtitle">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

const TONES: Record<string, string> = {
  ACTIVE: 'ok', PUBLISHED: 'ok', APPROVED: 'ok', PAID: 'ok', PAID_OFF: 'ok', DELIVERED: 'ok', SENT: 'ok', COMPLETED: 'ok', APPLIED: 'ok', success: 'ok', Success: 'ok',
  DRAFT: 'info', PENDING: 'warn', QUEUED: 'info', RUNNING: 'info', IN_PROGRESS: 'info', OPEN: 'info', CURRENT: 'info',
  REJECTED: 'bad', FAILED: 'bad', REVOKED: 'bad', DISABLED: 'bad', DEFAULTED: 'bad', OVERDUE: 'bad', REVERSED: 'bad', CANCELLED: 'bad', EXPIRED: 'bad', Failure: 'bad',
  ARCHIVED: 'muted', ROTATED: 'muted', SUPERSEDED: 'muted',
};
export function Badge({ value, label }: { value: string; label?: string }) {
  return <span className={`badge badge-${TONES[value] ?? 'muted'}`}>{label ?? value}</span>;
}

export function Field({ label, hint, error, children }: { label: string; hint?: string; error?: string | null; children: (id: string, describedBy?: string) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, describedBy)}
      {hint && <small id={hintId}>{hint}</small>}
      {error && <small id={errorId} className="field-error">{error}</small>}
    </div>
  );
}

export function TextInput({ label, hint, error, ...props }: { label: string; hint?: string; error?: string | null } & InputHTMLAttributes<HTMLInputElement>) {
  return <Field label={label} hint={hint} error={error}>{(id, describedBy) => <input id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...props} />}</Field>;
}

export function TextArea({ label, hint, error, ...props }: { label: string; hint?: string; error?: string | null } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return <Field label={label} hint={hint} error={error}>{(id, describedBy) => <textarea id={id} aria-describedby={describedBy} aria-invalid={error ? true : undefined} {...props} />}</Field>;
}

export function Select({ label, options, ...props }: { label: string; options: { value: string; label: string }[] } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Field label={label}>
      {(id) => (
        <select id={id} {...props}>
          {options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
        </select>
      )}
    </Field>
  );
}

export interface UserErrorLike { code: string; message: string; field?: string | null }
/** The API's typed userErrors, in the language of the request (the gateway localises them). */
export function UserErrors({ errors }: { errors: readonly UserErrorLike[] | null | undefined }) {
  if (!errors?.length) return null;
  return (
    <div className="alert alert-error" role="alert">
      <ul>{errors.map((e, i) => <li key={`${e.code}-${i}`}>{e.message}{e.field ? <code> ({e.field})</code> : null}</li>)}</ul>
    </div>
  );
}

/**
 * What a form shows after a mutation: the payload's userErrors, or a notice when it succeeded (no
 * payload at all is a failure in the user's language). `done` answers whether it succeeded.
 */
export function useMutationFeedback() {
  const tc = useT(common);
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const done = (payload: { userErrors: readonly UserErrorLike[] } | null | undefined, ok: string): boolean => {
    const succeeded = Boolean(payload && !payload.userErrors.length);
    setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
    setNotice(succeeded ? ok : null);
    return succeeded;
  };
  return { errors, setErrors, notice, done };
}

export function Notice({ children }: { children: ReactNode }) {
  return <div className="alert alert-ok" role="status">{children}</div>;
}

/** A modal dialog on the native <dialog> element (focus trap, Escape, backdrop by the browser). */
export function Dialog({ open, title, onClose, children }: { open: boolean; title: string; onClose(): void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const t = useT(common);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={onClose} className="dialog">
      {open && (
        <>
          <header className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="button ghost" onClick={onClose} aria-label={t('close')}>×</button>
          </header>
          <div className="dialog-body">{children}</div>
        </>
      )}
    </dialog>
  );
}

export function Details({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="details">
      {items.map(([k, v]) => (
        <div key={k}><dt>{k}</dt><dd>{v}</dd></div>
      ))}
    </dl>
  );
}

export function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  const id = useId();
  return (
    <section className="card" aria-labelledby={id}>
      <header className="card-header"><h2 id={id}>{title}</h2>{actions}</header>
      {children}
    </section>
  );
}

/** A stable idempotency key for one submission (retries of the same click reuse it). */
export const newIdempotencyKey = () => crypto.randomUUID();
