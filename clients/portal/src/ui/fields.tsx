/** Labelled form controls with the server's message next to the field (aria-describedby), and user errors. */
import { useId, type InputHTMLAttributes, type ReactNode } from 'react';

export interface UserErrorView { code: string; message: string; field?: string | null }

export function Field({ label, error, hint, ...input }: { label: string; error?: string | null; hint?: ReactNode } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const described = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described} {...input} />
      {hint && <p className="hint" id={`${id}-hint`}>{hint}</p>}
      {error && <p className="field-error" id={`${id}-error`}>{error}</p>}
    </div>
  );
}

/** The message of the first error naming `field` (or a field under it: `values.x` for `values`). */
export const errorFor = (errors: UserErrorView[], field: string) => errors.find((e) => e.field === field || e.field?.startsWith(`${field}.`))?.message ?? null;

/** Errors that name no field shown by the form (`shown`): above the form, announced. */
export function FormErrors({ errors, shown = [] }: { errors: UserErrorView[]; shown?: string[] }) {
  const rest = errors.filter((e) => !e.field || !shown.some((f) => e.field === f || e.field!.startsWith(`${f}.`)));
  if (!rest.length) return null;
  return <div className="notice notice-error" role="alert">{rest.map((e, i) => <p key={i}>{e.message}</p>)}</div>;
}

/** Turns a base64 payload into a file the browser saves (no data: navigation, works under the CSP). */
export function downloadBase64(base64: string, name: string, type = 'application/pdf') {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
