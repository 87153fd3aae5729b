/**
 * Signing with a signing token (seed 5.17 / 5.19), through sign's public API: `signingSession`
 * (title, signer, the documents to read and download), `requestSigningCode` (a one-time code to the
 * signer's verified e-mail or phone; resend after a cooldown), `signDocument` with the code and the
 * explicit acceptance. Used inside the journey (embedded) and on /sign/<token>.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Loading, ErrorState } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { Field, FormErrors, downloadBase64, errorFor, type UserErrorView } from '../ui/fields';

const SessionQuery = graphql(`
  query PortalSigningSession($token: String!) {
    signingSession(token: $token) {
      session { title requestStatus signerName signerStatus canSign expiresAt documents { id name sha256 sizeBytes contentBase64 } }
      userErrors { code message field }
    }
  }
`);

const CodeMutation = graphql(`
  mutation PortalSigningCode($input: RequestSigningCodeInput!) {
    requestSigningCode(input: $input) { destinationMasked expiresAt userErrors { code message field } }
  }
`);

const SignMutation = graphql(`
  mutation PortalSignDocument($input: SignDocumentInput!) {
    signDocument(input: $input) { session { requestStatus signerStatus canSign } userErrors { code message field } }
  }
`);

const RESEND_SECONDS = 30;

export const signingMessages = defineMessages({
  en: {
    title: 'Sign: {title}', signer: 'Signer: {name}', documents: 'Documents to sign', download: 'Download {name} ({kb} KB)', sendCode: 'Send me a signing code',
    sentTo: 'We sent a code to {destination}.', resend: 'Send a new code', resendIn: 'You can ask for a new code in {seconds} s', code: 'Signing code (6 digits)',
    accept: 'I have read the documents and I accept them', sign: 'Sign', signed: 'Signed. Thank you!', notYours: 'It is not your turn to sign yet.',
    closed: 'This request is {status}.', invalid: 'This signing link is not valid.', SENT: 'open', PARTIALLY_SIGNED: 'partially signed', COMPLETED: 'completed', REJECTED: 'rejected', CANCELLED: 'cancelled', EXPIRED: 'expired', DRAFT: 'a draft',
  },
  es: {
    title: 'Firmar: {title}', signer: 'Firmante: {name}', documents: 'Documentos a firmar', download: 'Descargar {name} ({kb} KB)', sendCode: 'Enviarme un código de firma',
    sentTo: 'Enviamos un código a {destination}.', resend: 'Enviar un código nuevo', resendIn: 'Podrá pedir un código nuevo en {seconds} s', code: 'Código de firma (6 dígitos)',
    accept: 'Leí los documentos y los acepto', sign: 'Firmar', signed: 'Firmado. ¡Gracias!', notYours: 'Todavía no es su turno de firmar.',
    closed: 'Esta solicitud está {status}.', invalid: 'Este enlace de firma no es válido.', SENT: 'abierta', PARTIALLY_SIGNED: 'firmada en parte', COMPLETED: 'completada', REJECTED: 'rechazada', CANCELLED: 'cancelada', EXPIRED: 'vencida', DRAFT: 'en borrador',
  },
});

/** Seconds left until `until` (ms epoch), ticking every second. */
export function useCountdown(until: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    setNow(Date.now());
    if (until <= Date.now()) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (at >= until) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
  }, [until]);
  return Math.max(0, Math.ceil((until - now) / 1000));
}

export function SigningPanel({ token, onSigned, headingLevel = 2 }: { token: string; onSigned?: () => void; headingLevel?: 1 | 2 }) {
  const t = useT(signingMessages);
  const { data, error, refetch } = useQuery(SessionQuery, { variables: { token }, fetchPolicy: 'network-only' });
  const [askCode, asking] = useMutation(CodeMutation);
  const [sign, signing] = useMutation(SignMutation);
  const [destination, setDestination] = useState<string | null>(null);
  const [resendAt, setResendAt] = useState(0);
  const [code, setCode] = useState('');
  const [accept, setAccept] = useState(false);
  const [errors, setErrors] = useState<UserErrorView[]>([]);
  const [signed, setSigned] = useState(false);
  const wait = useCountdown(resendAt);
  const Heading = headingLevel === 1 ? 'h1' : 'h2';
  if (error && !data) return <ErrorState error={error} onRetry={() => void refetch()} />;
  const payload = data?.signingSession;
  if (!payload) return <Loading rows={2} />;
  const s = payload.session;
  if (!s) return <p className="notice notice-error" role="alert">{payload.userErrors[0]?.message ?? t('invalid')}</p>;
  const requestCode = async () => {
    const { data: r } = await askCode({ variables: { input: { token } } });
    const out = r?.requestSigningCode;
    setErrors(out?.userErrors ?? []);
    if (out?.destinationMasked) {
      setDestination(out.destinationMasked);
      setResendAt(Date.now() + RESEND_SECONDS * 1000);
    }
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { data: r } = await sign({ variables: { input: { token, code: code.trim(), accept } } });
    const errs = r?.signDocument.userErrors ?? [];
    setErrors(errs);
    if (!errs.length) {
      setSigned(true);
      onSigned?.();
    }
  };
  return (
    <div className="signing">
      <Heading>{t('title', { title: s.title })}</Heading>
      <p>{t('signer', { name: s.signerName })}</p>
      <h3>{t('documents')}</h3>
      <ul className="documents">
        {s.documents.map((d) => (
          <li key={d.id}>
            <button type="button" className="link-button" onClick={() => downloadBase64(d.contentBase64, d.name)}>{t('download', { name: d.name, kb: Math.ceil(d.sizeBytes / 1024) })}</button>
            <code className="hash" title="SHA-256">{d.sha256.slice(0, 16)}…</code>
          </li>
        ))}
      </ul>
      {signed || s.signerStatus === 'SIGNED' ? <p className="notice notice-ok" role="status">{t('signed')}</p>
        : !s.canSign ? <p className="notice" role="status">{s.requestStatus === 'SENT' || s.requestStatus === 'PARTIALLY_SIGNED' ? t('notYours') : t('closed', { status: t(s.requestStatus) })}</p>
          : (
            <form className="form" onSubmit={(e) => void submit(e)} noValidate>
              <FormErrors errors={errors} shown={['code', 'accept']} />
              {destination ? <p role="status">{t('sentTo', { destination })}</p> : null}
              {destination
                ? <button type="button" className="button secondary" disabled={wait > 0 || asking.loading} onClick={() => void requestCode()}>{wait > 0 ? t('resendIn', { seconds: wait }) : t('resend')}</button>
                : <button type="button" className="button" disabled={asking.loading} onClick={() => void requestCode()}>{t('sendCode')}</button>}
              {destination && (
                <>
                  <Field label={t('code')} inputMode="numeric" autoComplete="one-time-code" maxLength={6} value={code} onChange={(e) => setCode(e.target.value)} error={errorFor(errors, 'code')} />
                  <div className="field checkbox">
                    <input id={`accept-${token.slice(-8)}`} type="checkbox" checked={accept} onChange={(e) => setAccept(e.target.checked)} aria-invalid={errorFor(errors, 'accept') ? true : undefined} />
                    <label htmlFor={`accept-${token.slice(-8)}`}>{t('accept')}</label>
                    {errorFor(errors, 'accept') && <p className="field-error">{errorFor(errors, 'accept')}</p>}
                  </div>
                  <button type="submit" className="button primary" disabled={signing.loading}>{t('sign')}</button>
                </>
              )}
            </form>
          )}
    </div>
  );
}
