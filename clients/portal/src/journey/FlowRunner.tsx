/**
 * A flow execution through flow's public token API (seed 5.16 / 5.18): `flowSession` says which step
 * waits for the borrower; a FORM step is rendered from its JSON Schema (strings, numbers, booleans,
 * enums; the server validates), a DOCUMENT step takes a file (`requestFlowUpload`, the PUT to the
 * signed URL through the gateway's /flow/files/, then `submitFlowStep { fileIds }`). While the
 * providers run, the session is polled until it waits again or ends.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { defineMessages, useLocale, useT } from '@imagy/web-kit/i18n';
import { Loading, ErrorState } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { Field, FormErrors, errorFor, type UserErrorView } from '../ui/fields';

const SessionQuery = graphql(`
  query PortalFlowSession($accessToken: String!) {
    flowSession(accessToken: $accessToken) {
      session { status outcome expiresAt completedStepKeys currentStep { key name type inputSchema } }
      userErrors { code message field }
    }
  }
`);

const UploadMutation = graphql(`
  mutation PortalFlowUpload($input: RequestFlowUploadInput!) {
    requestFlowUpload(input: $input) { upload { fileId url method headers } userErrors { code message field } }
  }
`);

const SubmitMutation = graphql(`
  mutation PortalFlowSubmit($input: SubmitFlowStepInput!) {
    submitFlowStep(input: $input) { session { status outcome completedStepKeys currentStep { key name type inputSchema } } userErrors { code message field } }
  }
`);

export const flowMessages = defineMessages({
  en: {
    running: 'We are checking your information…', done: 'Verification finished.', failed: 'The verification could not be completed.', send: 'Continue',
    file: 'Document (PDF, JPEG, PNG or WebP)', uploading: 'Uploading…', yes: 'Yes', invalid: 'This link is not valid any more.', step: 'Step: {name}',
    APPROVED: 'Approved', REJECTED: 'Not approved', REVIEW: 'In review', reopen: 'Continue in this window',
  },
  es: {
    running: 'Estamos verificando su información…', done: 'La verificación terminó.', failed: 'No se pudo completar la verificación.', send: 'Continuar',
    file: 'Documento (PDF, JPEG, PNG o WebP)', uploading: 'Subiendo…', yes: 'Sí', invalid: 'Este enlace ya no es válido.', step: 'Paso: {name}',
    APPROVED: 'Aprobada', REJECTED: 'No aprobada', REVIEW: 'En revisión', reopen: 'Continuar en esta ventana',
  },
});

interface SchemaProperty { type?: string; title?: string; description?: string; enum?: unknown[]; pattern?: string; minLength?: number; maxLength?: number; minimum?: number; maximum?: number; format?: string }
interface ObjectSchema { properties?: Record<string, SchemaProperty>; required?: string[] }

async function sha256Hex(buffer: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function FormStep({ token, stepKey, schema, onDone }: { token: string; stepKey: string; schema: ObjectSchema; onDone: () => void }) {
  const t = useT(flowMessages);
  const [submit, { loading }] = useMutation(SubmitMutation);
  const properties = Object.entries(schema.properties ?? {});
  const [values, setValues] = useState<Record<string, string | boolean>>({});
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    const data: Record<string, unknown> = {};
    for (const [key, p] of properties) {
      const v = values[key];
      if (v === undefined || v === '') continue;
      data[key] = p.type === 'number' || p.type === 'integer' ? Number(v) : v;
    }
    const { data: r } = await submit({ variables: { input: { accessToken: token, stepKey, data, idempotencyKey: crypto.randomUUID() } } });
    const errs = r?.submitFlowStep.userErrors ?? [];
    setErrors(errs);
    if (!errs.length) onDone();
  };
  return (
    <form className="form" onSubmit={(e) => void send(e)} noValidate>
      <FormErrors errors={errors} shown={properties.map(([k]) => `data.${k}`)} />
      {properties.map(([key, p]) => {
        const label = p.title ?? key;
        const error = errorFor(errors, `data.${key}`);
        const required = schema.required?.includes(key);
        if (p.type === 'boolean') return <Field key={key} label={label} type="checkbox" checked={values[key] === true} onChange={(e) => setValues({ ...values, [key]: e.target.checked })} error={error} />;
        if (p.enum) return (
          <div className="field" key={key}>
            <label htmlFor={`flow-${key}`}>{label}</label>
            <select id={`flow-${key}`} value={String(values[key] ?? '')} onChange={(e) => setValues({ ...values, [key]: e.target.value })} required={required}>
              <option value="" />
              {p.enum.map((o) => <option key={String(o)} value={String(o)}>{String(o)}</option>)}
            </select>
            {error && <p className="field-error">{error}</p>}
          </div>
        );
        return <Field key={key} label={label} hint={p.description} type={p.type === 'number' || p.type === 'integer' ? 'number' : p.format === 'email' ? 'email' : 'text'} value={String(values[key] ?? '')} onChange={(e) => setValues({ ...values, [key]: e.target.value })} error={error} required={required} />;
      })}
      <button type="submit" className="button primary" disabled={loading}>{t('send')}</button>
    </form>
  );
}

function DocumentStep({ token, stepKey, onDone }: { token: string; stepKey: string; onDone: () => void }) {
  const t = useT(flowMessages);
  const [requestUpload] = useMutation(UploadMutation);
  const [submit] = useMutation(SubmitMutation);
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const [busy, setBusy] = useState(false);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    if (!file) return;
    setBusy(true);
    try {
      const bytes = await file.arrayBuffer();
      const { data } = await requestUpload({ variables: { input: { accessToken: token, stepKey, contentType: file.type, sizeBytes: file.size, sha256: await sha256Hex(bytes) } } });
      const r = data?.requestFlowUpload;
      if (!r?.upload) return setErrors(r?.userErrors ?? []);
      const headers = (r.upload.headers ?? {}) as Record<string, string>;
      const put = await fetch(r.upload.url, { method: r.upload.method, headers, body: bytes });
      if (!put.ok) return setErrors([{ code: 'UPLOAD_FAILED', message: `${put.status}` }]);
      const { data: s } = await submit({ variables: { input: { accessToken: token, stepKey, data: { fileIds: [r.upload.fileId] }, idempotencyKey: r.upload.fileId } } });
      const errs = s?.submitFlowStep.userErrors ?? [];
      setErrors(errs);
      if (!errs.length) onDone();
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={(e) => void send(e)} noValidate>
      <FormErrors errors={errors} shown={['contentType', 'sizeBytes']} />
      <div className="field">
        <label htmlFor={`file-${stepKey}`}>{t('file')}</label>
        <input id={`file-${stepKey}`} type="file" accept="application/pdf,image/jpeg,image/png,image/webp" capture="environment" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        {(errorFor(errors, 'contentType') ?? errorFor(errors, 'sizeBytes')) && <p className="field-error">{errorFor(errors, 'contentType') ?? errorFor(errors, 'sizeBytes')}</p>}
      </div>
      <button type="submit" className="button primary" disabled={!file || busy}>{busy ? t('uploading') : t('send')}</button>
    </form>
  );
}

/** The flow behind `token`, until it ends (then `onFinished`, e.g. the journey waits for lending's step). */
export function FlowRunner({ token, onFinished, onReopen }: { token: string; onFinished?: () => void; onReopen?: () => void }) {
  const t = useT(flowMessages);
  const { locale } = useLocale();
  const { data, error, refetch, startPolling, stopPolling } = useQuery(SessionQuery, { variables: { accessToken: token }, fetchPolicy: 'network-only', notifyOnNetworkStatusChange: false });
  const payload = data?.flowSession;
  const s = payload?.session;
  // Poll while the providers run (no step for the borrower, not finished).
  const finished = s ? ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'].includes(s.status) : false;
  const running = s ? !finished && !s.currentStep : false;
  useEffect(() => {
    if (running) startPolling(1500); else stopPolling();
    return () => stopPolling();
  }, [running, startPolling, stopPolling]);
  useEffect(() => { if (finished) onFinished?.(); }, [finished, onFinished]);
  if (error && !data) return <ErrorState error={error} onRetry={() => void refetch()} />;
  if (!payload) return <Loading rows={2} />;
  if (!s) {
    // Inside the journey, a token another window opened since (only the newest works) is asked for again here.
    return (
      <div className="notice notice-error" role="alert">
        <p>{payload.userErrors[0]?.message ?? t('invalid')}</p>
        {onReopen && <button type="button" className="button" onClick={onReopen}>{t('reopen')}</button>}
      </div>
    );
  }
  if (finished) {
    return <p className="notice" role="status">{s.status === 'COMPLETED' ? t('done') : t('failed')} {s.outcome ? `(${t(s.outcome as 'APPROVED')})` : ''}</p>;
  }
  if (!s.currentStep) return <div role="status" className="notice"><p>{t('running')}</p><Loading rows={1} /></div>;
  const step = s.currentStep;
  const after = () => void refetch();
  return (
    <div className="flow-step" lang={locale}>
      <h3>{t('step', { name: step.name })}</h3>
      {step.type === 'DOCUMENT'
        ? <DocumentStep token={token} stepKey={step.key} onDone={after} />
        : <FormStep token={token} stepKey={step.key} schema={(step.inputSchema ?? {}) as ObjectSchema} onDone={after} />}
    </div>
  );
}
