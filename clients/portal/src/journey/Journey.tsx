/**
 * The origination journey (seed 5.15), rendered from the pipeline pinned to the application: the
 * timeline of its steps, and the step it waits on with the input its type takes. Live: the
 * `applicationProgress` subscription updates the application in the cache as each step changes
 * (flow's and sign's answers, a reviewer's decision, the disbursement). A borrower who leaves comes
 * back here signed in (sign-in sends them to their application in progress).
 */
import { useEffect } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link, useRouter } from '@imagy/web-kit/router';
import { QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import type { PortalApplicationQuery } from '../__generated__/graphql';
import { useAuth } from '../lib/auth';
import { useFormat } from '../lib/tenant';
import { ConsentStep, ContactStep, FormStep, InfoStep, SignatureStep, VerificationStep } from './steps';

const ApplicationQuery = graphql(`
  query PortalApplication($id: ID!) {
    creditApplication(id: $id) {
      id status currentStep amount currency term decisionReason createdAt
      product { id name code }
      version { id pipeline { steps { key type enabled config } } }
      steps { key type position state input output }
      credit { id }
    }
  }
`);

const ProgressSubscription = graphql(`
  subscription PortalApplicationProgress($id: ID!) {
    applicationProgress(applicationId: $id) {
      stepKey stepState occurredAt
      application { id status currentStep decisionReason steps { key type position state input output } credit { id } }
    }
  }
`);

export type JourneyApplication = NonNullable<PortalApplicationQuery['creditApplication']>;
export type JourneyStep = JourneyApplication['steps'][number];

export const journeyMessages = defineMessages({
  en: {
    title: 'Your application', summary: '{product}: {amount} in {term} installments', steps: 'Steps', notFound: 'This application does not exist or is not yours.',
    LANDING: 'Product', USER_REGISTRATION: 'Account', LEGAL_CONSENT: 'Terms', CONTACT_VERIFICATION: 'Contact', FORM: 'Your details', COMPLIANCE_CHECK: 'Checks',
    MANUAL_REVIEW: 'Review', IDENTITY_VALIDATION: 'Identity', DOCUMENT_SIGNATURE: 'Contract', DISBURSEMENT: 'Disbursement',
    PENDING: 'pending', WAITING_INPUT: 'your turn', WAITING_EVENT: 'in progress', WAITING_REVIEW: 'in review', COMPLETED: 'done', SKIPPED: 'skipped', REJECTED: 'rejected', FAILED: 'failed',
    disbursed: 'Your credit was disbursed.', seeCredit: 'See your credit', rejected: 'Your application was not approved.', reason: 'Reason: {reason}',
    ended: 'This application ended ({status}).', current: 'current step', inReview: 'Your application is being reviewed. We will let you know here as soon as it is decided.',
    working: 'We are processing this step…', approved: 'Approved! Preparing your contract…', signIn: 'Sign in to continue with your application.',
    CANCELLED: 'cancelled', WITHDRAWN: 'withdrawn', EXPIRED: 'expired',
  },
  es: {
    title: 'Su solicitud', summary: '{product}: {amount} en {term} cuotas', steps: 'Pasos', notFound: 'Esta solicitud no existe o no es suya.',
    LANDING: 'Producto', USER_REGISTRATION: 'Cuenta', LEGAL_CONSENT: 'Términos', CONTACT_VERIFICATION: 'Contacto', FORM: 'Sus datos', COMPLIANCE_CHECK: 'Verificaciones',
    MANUAL_REVIEW: 'Revisión', IDENTITY_VALIDATION: 'Identidad', DOCUMENT_SIGNATURE: 'Contrato', DISBURSEMENT: 'Desembolso',
    PENDING: 'pendiente', WAITING_INPUT: 'su turno', WAITING_EVENT: 'en proceso', WAITING_REVIEW: 'en revisión', COMPLETED: 'listo', SKIPPED: 'omitido', REJECTED: 'rechazado', FAILED: 'falló',
    disbursed: 'Su crédito fue desembolsado.', seeCredit: 'Ver su crédito', rejected: 'Su solicitud no fue aprobada.', reason: 'Motivo: {reason}',
    ended: 'Esta solicitud terminó ({status}).', current: 'paso actual', inReview: 'Su solicitud está en revisión. Le avisaremos aquí en cuanto se decida.',
    working: 'Estamos procesando este paso…', approved: '¡Aprobada! Preparando su contrato…', signIn: 'Ingrese para continuar con su solicitud.',
    CANCELLED: 'cancelada', WITHDRAWN: 'retirada', EXPIRED: 'vencida',
  },
});

function Timeline({ app }: { app: JourneyApplication }) {
  const t = useT(journeyMessages);
  const visible = app.steps.filter((s) => s.type !== 'LANDING' && s.type !== 'USER_REGISTRATION' && s.state !== 'SKIPPED');
  return (
    <nav aria-label={t('steps')} className="timeline">
      <ol>
        {visible.map((s) => (
          <li key={s.key} className={`tl-step tl-${s.state.toLowerCase()}`} aria-current={s.key === app.currentStep ? 'step' : undefined}>
            <span className="tl-name">{t(s.type)}</span> <span className="tl-state">{t(s.state)}</span>
          </li>
        ))}
      </ol>
    </nav>
  );
}

function CurrentStep({ app }: { app: JourneyApplication }) {
  const t = useT(journeyMessages);
  const step = app.steps.find((s) => s.key === app.currentStep);
  if (!step) return app.status === 'APPROVED' ? <p className="notice" role="status">{t('approved')}</p> : null;
  const config = (app.version.pipeline.steps.find((s) => s.key === step.key)?.config ?? {}) as Record<string, unknown>;
  const props = { app, step, config };
  // Keyed by the step: two steps of one type (compliance, then identity) never share their state.
  switch (step.type) {
    case 'LEGAL_CONSENT': return <ConsentStep key={step.key} {...props} />;
    case 'CONTACT_VERIFICATION': return <ContactStep key={step.key} {...props} />;
    case 'FORM': return <FormStep key={step.key} {...props} />;
    case 'COMPLIANCE_CHECK':
    case 'IDENTITY_VALIDATION': return <VerificationStep key={step.key} {...props} />;
    case 'MANUAL_REVIEW': return step.state === 'WAITING_INPUT' ? <InfoStep key={step.key} {...props} /> : <p className="notice" role="status">{t('inReview')}</p>;
    case 'DOCUMENT_SIGNATURE': return <SignatureStep key={step.key} {...props} />;
    default: return <p className="notice" role="status">{t('working')}</p>;
  }
}

export default function Journey({ id }: { id: string }) {
  const t = useT(journeyMessages);
  const f = useFormat();
  const { session, restoring } = useAuth();
  const { navigate } = useRouter();
  const { data, loading, error, refetch } = useQuery(ApplicationQuery, { variables: { id }, skip: !session });
  // Live progress: each event carries the application's new state (Apollo merges it by id).
  useSubscription(ProgressSubscription, { variables: { id }, skip: !session });
  useEffect(() => {
    if (!session && !restoring) navigate(`/ingresar?next=${encodeURIComponent(`/solicitud/${id}`)}`, { replace: true });
  }, [session, restoring, id, navigate]);
  if (!session) return <p>{t('signIn')}</p>;
  return (
    <QueryView data={data} loading={loading} error={error} refetch={refetch}>
      {(d) => {
        const app = d.creditApplication;
        if (!app) return <section className="narrow"><h1>{t('notFound')}</h1></section>;
        return (
          <div className="journey">
            <header className="journey-header">
              <h1>{t('title')}</h1>
              <p className="summary">{t('summary', { product: app.product.name, amount: f.money(app.amount, app.currency), term: app.term })}</p>
            </header>
            <Timeline app={app} />
            <section className="card journey-step" aria-live="polite">
              {app.status === 'DISBURSED'
                ? <div className="notice notice-ok" role="status"><p>{t('disbursed')}</p>{app.credit && <p><Link to={`/mi-cuenta/creditos/${app.credit.id}`} className="button primary">{t('seeCredit')}</Link></p>}</div>
                : app.status === 'REJECTED'
                  ? <div className="notice notice-error" role="status"><p>{t('rejected')}</p>{app.decisionReason && <p>{t('reason', { reason: app.decisionReason })}</p>}</div>
                  : app.status === 'IN_PROGRESS' || app.status === 'APPROVED'
                    ? <CurrentStep app={app} />
                    : <p className="notice" role="status">{t('ended', { status: t(app.status) })}</p>}
            </section>
          </div>
        );
      }}
    </QueryView>
  );
}
