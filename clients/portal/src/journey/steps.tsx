/**
 * The input of each step type the borrower fills (lending's README lists what each takes): the
 * server validates everything and its userErrors are shown next to the field they name.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { defineMessages, useLocale, useT } from '@imagy/web-kit/i18n';
import { Loading } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { useAuth } from '../lib/auth';
import { Field, FormErrors, errorFor, type UserErrorView } from '../ui/fields';
import { FlowRunner } from './FlowRunner';
import type { JourneyApplication, JourneyStep } from './Journey';
import { SigningPanel, useCountdown } from './SigningPanel';

const SubmitMutation = graphql(`
  mutation PortalSubmitStep($input: SubmitApplicationStepInput!) {
    submitApplicationStep(input: $input) {
      application { id status currentStep decisionReason steps { key type position state input output } credit { id } }
      userErrors { code message field }
    }
  }
`);

const LegalDocumentsQuery = graphql(`
  query PortalLegalDocuments { legalDocuments { id code version locale title body sha256 } }
`);

const OpenFlowMutation = graphql(`
  mutation PortalOpenFlow($input: OpenApplicationFlowInput!) {
    openApplicationFlow(input: $input) { access { accessToken flowRequestId currentStepKey expiresAt } userErrors { code message field } }
  }
`);

const MySignaturesQuery = graphql(`
  query PortalMySignatureRequests { me { id signatureRequests(first: 10) { id title status externalRef signers { id status signingUrl } } } }
`);

const messages = defineMessages({
  en: {
    consentTitle: 'Terms and conditions', consentIntro: 'Read and accept the documents to continue.', accept: 'I have read and accept "{title}" (version {version})', continue: 'Continue',
    contactTitle: 'Verify your contact', email: 'E-mail where we send the code', phone: 'Mobile phone where we send the code (+country code)', sendCode: 'Send the code',
    codeSent: 'We sent a 6-digit code to {destination}.', code: 'Verification code', verify: 'Verify', resend: 'Send a new code', resendIn: 'You can ask for a new code in {seconds} s',
    changeContact: 'Use another contact', formTitle: 'Your details', verifyingTitle: 'Verification', verifying: 'We are verifying your information. This page updates by itself.',
    infoTitle: 'We need more information', infoHint: 'The reviewer asked: {reason}', info: 'Your answer', send: 'Send',
    signTitle: 'Sign your contract', preparing: 'We are preparing your contract. It will appear here in a moment.', sentByMail: 'We also sent the signing link to your e-mail.',
  },
  es: {
    consentTitle: 'Términos y condiciones', consentIntro: 'Lea y acepte los documentos para continuar.', accept: 'Leí y acepto «{title}» (versión {version})', continue: 'Continuar',
    contactTitle: 'Verifique su contacto', email: 'Correo al que enviamos el código', phone: 'Teléfono móvil al que enviamos el código (+código de país)', sendCode: 'Enviar el código',
    codeSent: 'Enviamos un código de 6 dígitos a {destination}.', code: 'Código de verificación', verify: 'Verificar', resend: 'Enviar un código nuevo', resendIn: 'Podrá pedir un código nuevo en {seconds} s',
    changeContact: 'Usar otro contacto', formTitle: 'Sus datos', verifyingTitle: 'Verificación', verifying: 'Estamos verificando su información. Esta página se actualiza sola.',
    infoTitle: 'Necesitamos más información', infoHint: 'El revisor pidió: {reason}', info: 'Su respuesta', send: 'Enviar',
    signTitle: 'Firme su contrato', preparing: 'Estamos preparando su contrato. Aparecerá aquí en un momento.', sentByMail: 'También le enviamos el enlace de firma a su correo.',
  },
});

export interface StepProps { app: JourneyApplication; step: JourneyStep; config: Record<string, unknown> }

/** submitApplicationStep for the application's current step; its errors, and whether it is running. */
function useSubmit(app: JourneyApplication, stepKey: string) {
  const [mutate, { loading }] = useMutation(SubmitMutation);
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const submit = async (data: unknown, deviceFingerprint?: string) => {
    const { data: r } = await mutate({ variables: { input: { applicationId: app.id, stepKey, data, deviceFingerprint, idempotencyKey: crypto.randomUUID() } } });
    const errs = r?.submitApplicationStep.userErrors ?? [];
    setErrors(errs);
    return errs.length === 0;
  };
  return { submit, errors, loading };
}

/** A stable fingerprint of this browser (kept in the consent evidence): SHA-256 of what it tells every site. */
async function deviceFingerprint(): Promise<string> {
  const parts = [navigator.userAgent, navigator.languages.join(','), `${screen.width}x${screen.height}x${screen.colorDepth}`, Intl.DateTimeFormat().resolvedOptions().timeZone, String(navigator.hardwareConcurrency ?? '')];
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('|')));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function ConsentStep({ app, step, config }: StepProps) {
  const t = useT(messages);
  const { locale } = useLocale();
  const { data } = useQuery(LegalDocumentsQuery, { fetchPolicy: 'cache-first' });
  const { submit, errors, loading } = useSubmit(app, step.key);
  const codes = Array.isArray(config.documents) ? config.documents.filter((c): c is string => typeof c === 'string') : [];
  // One document per code: the borrower's language when published in it, else the first.
  const documents = useMemo(() => codes.map((code) => {
    const all = (data?.legalDocuments ?? []).filter((d) => d.code === code);
    return all.find((d) => d.locale === locale) ?? all[0];
  }).filter((d) => d !== undefined), [codes, data, locale]);
  const [accepted, setAccepted] = useState<Record<string, boolean>>({});
  if (!data) return <Loading rows={2} />;
  const send = async (e: FormEvent) => {
    e.preventDefault();
    await submit({ accepted: documents.filter((d) => accepted[d.code]).map((d) => ({ code: d.code, version: d.version })) }, await deviceFingerprint());
  };
  return (
    <form className="form" onSubmit={(e) => void send(e)} noValidate>
      <h2>{t('consentTitle')}</h2>
      <p>{t('consentIntro')}</p>
      <FormErrors errors={errors} />
      {documents.map((d) => (
        <div key={d.id} className="legal-document">
          <h3>{d.title}</h3>
          <div className="legal-body" tabIndex={0} role="region" aria-label={d.title}>{d.body}</div>
          <div className="field checkbox">
            <input id={`accept-${d.code}`} type="checkbox" checked={accepted[d.code] === true} onChange={(e) => setAccepted({ ...accepted, [d.code]: e.target.checked })} />
            <label htmlFor={`accept-${d.code}`}>{t('accept', { title: d.title, version: d.version })}</label>
          </div>
        </div>
      ))}
      <button type="submit" className="button primary" disabled={loading}>{t('continue')}</button>
    </form>
  );
}

const RESEND_SECONDS = 30;

export function ContactStep({ app, step, config }: StepProps) {
  const t = useT(messages);
  const { session } = useAuth();
  const channel = config.channel === 'SMS' || config.channel === 'WHATSAPP' ? 'PHONE' : 'EMAIL';
  const sentTo = typeof (step.input as { destination?: unknown } | null)?.destination === 'string' ? (step.input as { destination: string }).destination : null;
  const [destination, setDestination] = useState(sentTo ?? (channel === 'EMAIL' ? session?.user.email ?? '' : ''));
  const [editing, setEditing] = useState(!sentTo);
  const [code, setCode] = useState('');
  const [resendAt, setResendAt] = useState(() => (sentTo ? Date.now() + RESEND_SECONDS * 1000 : 0));
  const wait = useCountdown(resendAt);
  const { submit, errors, loading } = useSubmit(app, step.key);
  const sendDestination = async (e?: FormEvent) => {
    e?.preventDefault();
    if (await submit({ destination: destination.trim() })) {
      setEditing(false);
      setCode('');
      setResendAt(Date.now() + RESEND_SECONDS * 1000);
    }
  };
  const verify = async (e: FormEvent) => {
    e.preventDefault();
    await submit({ code: code.trim() });
  };
  if (editing || !sentTo) {
    return (
      <form className="form" onSubmit={(e) => void sendDestination(e)} noValidate>
        <h2>{t('contactTitle')}</h2>
        <FormErrors errors={errors} shown={['data.destination']} />
        <Field label={channel === 'EMAIL' ? t('email') : t('phone')} type={channel === 'EMAIL' ? 'email' : 'tel'} autoComplete={channel === 'EMAIL' ? 'email' : 'tel'}
          value={destination} onChange={(e) => setDestination(e.target.value)} error={errorFor(errors, 'data.destination')} />
        <button type="submit" className="button primary" disabled={loading}>{t('sendCode')}</button>
      </form>
    );
  }
  return (
    <form className="form" onSubmit={(e) => void verify(e)} noValidate>
      <h2>{t('contactTitle')}</h2>
      <p role="status">{t('codeSent', { destination: sentTo })}</p>
      <FormErrors errors={errors} shown={['data.code']} />
      <Field label={t('code')} inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} error={errorFor(errors, 'data.code') ?? errorFor(errors, 'data.destination')} />
      <div className="actions">
        <button type="submit" className="button primary" disabled={loading}>{t('verify')}</button>
        <button type="button" className="button secondary" disabled={wait > 0 || loading} onClick={() => void sendDestination()}>{wait > 0 ? t('resendIn', { seconds: wait }) : t('resend')}</button>
        <button type="button" className="link-button" onClick={() => setEditing(true)}>{t('changeContact')}</button>
      </div>
    </form>
  );
}

interface FormField { key: string; type: string; label?: { es?: string; en?: string }; required?: boolean; options?: unknown[]; min?: number; max?: number; minLength?: number; maxLength?: number; visibleWhen?: { field: string; equals: unknown } }

const INPUT_TYPES: Record<string, string> = { NUMBER: 'number', INTEGER: 'number', DATE: 'date', EMAIL: 'email', PHONE: 'tel', TEXT: 'text' };

export function FormStep({ app, step, config }: StepProps) {
  const t = useT(messages);
  const { locale } = useLocale();
  const fields = (Array.isArray(config.fields) ? config.fields : []) as FormField[];
  const previous = ((step.input as { values?: Record<string, unknown> } | null)?.values ?? {});
  const [values, setValues] = useState<Record<string, unknown>>(previous);
  const { submit, errors, loading } = useSubmit(app, step.key);
  const visible = fields.filter((f) => !f.visibleWhen || values[f.visibleWhen.field] === f.visibleWhen.equals);
  const send = async (e: FormEvent) => {
    e.preventDefault();
    const out: Record<string, unknown> = {};
    for (const f of visible) {
      const v = values[f.key];
      if (v === undefined || v === '') continue;
      out[f.key] = (f.type === 'NUMBER' || f.type === 'INTEGER') && typeof v === 'string' ? Number(v) : v;
    }
    await submit({ values: out });
  };
  return (
    <form className="form" onSubmit={(e) => void send(e)} noValidate>
      <h2>{t('formTitle')}</h2>
      <FormErrors errors={errors} shown={visible.map((f) => `data.values.${f.key}`)} />
      {visible.map((f) => {
        const label = f.label?.[locale] ?? f.label?.es ?? f.key;
        const error = errorFor(errors, `data.values.${f.key}`);
        if (f.type === 'BOOLEAN') return (
          <div key={f.key} className="field checkbox">
            <input id={`f-${f.key}`} type="checkbox" checked={values[f.key] === true} onChange={(e) => setValues({ ...values, [f.key]: e.target.checked })} aria-invalid={error ? true : undefined} />
            <label htmlFor={`f-${f.key}`}>{label}</label>
            {error && <p className="field-error">{error}</p>}
          </div>
        );
        if (f.type === 'SELECT') return (
          <div key={f.key} className="field">
            <label htmlFor={`f-${f.key}`}>{label}</label>
            <select id={`f-${f.key}`} value={String(values[f.key] ?? '')} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} aria-invalid={error ? true : undefined} required={f.required}>
              <option value="" />
              {(f.options ?? []).map((o) => {
                const option = o as { value?: unknown; label?: { es?: string; en?: string } } | string;
                const value = typeof option === 'string' ? option : String(option.value ?? '');
                const text = typeof option === 'string' ? option : option.label?.[locale] ?? value;
                return <option key={value} value={value}>{text}</option>;
              })}
            </select>
            {error && <p className="field-error">{error}</p>}
          </div>
        );
        return <Field key={f.key} label={label} type={INPUT_TYPES[f.type] ?? 'text'} required={f.required} value={String(values[f.key] ?? '')} onChange={(e) => setValues({ ...values, [f.key]: e.target.value })} error={error} />;
      })}
      <button type="submit" className="button primary" disabled={loading}>{t('continue')}</button>
    </form>
  );
}

/**
 * COMPLIANCE_CHECK / IDENTITY_VALIDATION: flow runs the step's flow. When it has steps for the
 * borrower (documents, a form), `openApplicationFlow` gives the access token and the flow is filled
 * here; otherwise the page waits for the live progress. FLOW_NOT_STARTED (flow has not picked the
 * request up yet) is asked again shortly.
 */
export function VerificationStep({ app, step }: StepProps) {
  const t = useT(messages);
  const [open] = useMutation(OpenFlowMutation);
  const [token, setToken] = useState<string | null>(null);
  // Asked again while flow has not started the run, or runs steps before one for the borrower; a
  // flow with nothing for the borrower (STEP_NOT_WAITING) is left to the live progress.
  const [round, setRound] = useState(0);
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (step.state !== 'WAITING_EVENT' || token || done) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      void open({ variables: { input: { applicationId: app.id, stepKey: step.key } } }).then(({ data }) => {
        if (cancelled) return;
        const r = data?.openApplicationFlow;
        if (r?.access?.currentStepKey) setToken(r.access.accessToken);
        else if (r?.userErrors.length && r.userErrors[0]!.code !== 'FLOW_NOT_STARTED') setDone(true);
        else setRound((n) => n + 1);
      }, () => { if (!cancelled) setRound((n) => n + 1); });
    }, round === 0 ? 0 : 1500);
    return () => { cancelled = true; clearTimeout(timer); };
  }, [app.id, step.key, step.state, token, done, round, open]);
  return (
    <div>
      <h2>{t('verifyingTitle')}</h2>
      {token ? <FlowRunner token={token} onReopen={() => { setToken(null); setDone(false); setRound(0); }} /> : <div role="status" className="notice"><p>{t('verifying')}</p><Loading rows={1} /></div>}
    </div>
  );
}

export function InfoStep({ app, step }: StepProps) {
  const t = useT(messages);
  const [info, setInfo] = useState('');
  const { submit, errors, loading } = useSubmit(app, step.key);
  const reason = (step.output as { reason?: unknown } | null)?.reason;
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void submit({ info }); }} noValidate>
      <h2>{t('infoTitle')}</h2>
      {typeof reason === 'string' && <p>{t('infoHint', { reason })}</p>}
      <FormErrors errors={errors} shown={['data.info']} />
      <div className="field">
        <label htmlFor="review-info">{t('info')}</label>
        <textarea id="review-info" rows={4} value={info} onChange={(e) => setInfo(e.target.value)} aria-invalid={errorFor(errors, 'data.info') ? true : undefined} />
        {errorFor(errors, 'data.info') && <p className="field-error">{errorFor(errors, 'data.info')}</p>}
      </div>
      <button type="submit" className="button primary" disabled={loading}>{t('send')}</button>
    </form>
  );
}

/**
 * DOCUMENT_SIGNATURE, embedded: sign creates the request for the contract lending issued (its
 * externalRef is `application:<id>:<step>`); the borrower, signed in, reads their own signing link
 * from it (`Signer.signingUrl`) and signs here with a one-time code. Polled until sign has it.
 */
export function SignatureStep({ app, step }: StepProps) {
  const t = useT(messages);
  const externalRef = `application:${app.id}:${step.key}`;
  const { data, startPolling, stopPolling } = useQuery(MySignaturesQuery, { fetchPolicy: 'network-only' });
  const request = data?.me?.signatureRequests.find((r) => r.externalRef === externalRef && r.status !== 'CANCELLED');
  const link = request?.signers.map((s) => s.signingUrl).find((u): u is string => typeof u === 'string');
  const token = link ? decodeURIComponent(link.split('/').pop() ?? '') : null;
  useEffect(() => {
    if (token) stopPolling(); else startPolling(1500);
    return () => stopPolling();
  }, [token, startPolling, stopPolling]);
  return (
    <div>
      <h2>{t('signTitle')}</h2>
      {token ? <><SigningPanel token={token} /><p className="hint">{t('sentByMail')}</p></> : <div role="status" className="notice"><p>{t('preparing')}</p><Loading rows={1} /></div>}
    </div>
  );
}
