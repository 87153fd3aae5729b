/**
 * Credit applications (lending's origination pipeline): the list with status / current step filters
 * and cursor pages, an application's detail (step timeline with each step's state, input, output and
 * times; the legal consent evidence) and the manual review queue (applications whose current step
 * waits for a reviewer: approve, reject or ask for information with a reason; above the review
 * step's maker-checker limit a second, different reviewer completes the approval).
 */
import { useMemo, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import type { ApplicationStatus, PipelineStepType, ReviewDecision, StepState } from '../../__generated__/graphql';
import { Can, useAuth } from '../../lib/auth';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { CAN } from '../../lib/roles';
import { Link, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, Dialog, Notice, PageHeader, Section, Select, TextArea, UserErrors, type UserErrorLike } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';

const m = defineMessages({
  en: {
    title: 'Applications', subtitle: 'Credit applications through the origination pipeline.', tabAll: 'All applications', tabQueue: 'Review queue',
    status: 'Status', stepType: 'Current step type', stepState: 'Current step state', borrower: 'Borrower', product: 'Product', amount: 'Amount', term: 'Term',
    currentStep: 'Current step', created: 'Created', decided: 'Decided', expires: 'Expires', empty: 'No applications match', emptyHint: 'Applications appear here when borrowers apply.',
    queueEmpty: 'No application waits for review', queueHint: 'Applications whose review step needs a person appear here.', pager: 'Application pages',
    detailOf: 'Application of {name}', steps: 'Pipeline steps', step: 'Step', type: 'Type', state: 'State', started: 'Started', completed: 'Completed',
    input: 'Input', output: 'Output', consents: 'Legal consent evidence', document: 'Document', version: 'Version', sha: 'SHA-256', ip: 'IP address',
    userAgent: 'User agent', device: 'Device fingerprint', accepted: 'Accepted', noConsents: 'No consent recorded yet.', reason: 'Reason', decisionReason: 'Decision reason',
    credit: 'Credit', viewCredit: 'View credit', approve: 'Approve', reject: 'Reject', requestInfo: 'Ask for information', review: 'Review', decisionTitle: '{decision}: application of {name}',
    confirm: 'Confirm', reviewed: 'Decision recorded: {status}.', makerChecker: 'Above {limit} a second, different reviewer completes the approval.',
    approvals: 'Approvals so far: {n}', awaitingSecond: 'Waiting for a second reviewer', yourApproval: 'You approved it already; another reviewer must complete it.',
    term_months: '{n} installments', none: '—',
    IN_PROGRESS: 'In progress', APPROVED: 'Approved', DISBURSED: 'Disbursed', REJECTED: 'Rejected', CANCELLED: 'Cancelled', WITHDRAWN: 'Withdrawn', EXPIRED: 'Expired',
    PENDING: 'Pending', WAITING_INPUT: 'Waiting for the borrower', WAITING_EVENT: 'Waiting for a provider', WAITING_REVIEW: 'Waiting for review', COMPLETED: 'Completed', SKIPPED: 'Skipped', FAILED: 'Failed',
    LANDING: 'Landing', USER_REGISTRATION: 'Registration', LEGAL_CONSENT: 'Legal consent', CONTACT_VERIFICATION: 'Contact verification', FORM: 'Form',
    COMPLIANCE_CHECK: 'Compliance check', MANUAL_REVIEW: 'Manual review', IDENTITY_VALIDATION: 'Identity validation', DOCUMENT_SIGNATURE: 'Document signature', DISBURSEMENT: 'Disbursement',
  },
  es: {
    title: 'Solicitudes', subtitle: 'Solicitudes de crédito en el flujo de originación.', tabAll: 'Todas las solicitudes', tabQueue: 'Cola de revisión',
    status: 'Estado', stepType: 'Tipo de paso actual', stepState: 'Estado del paso actual', borrower: 'Solicitante', product: 'Producto', amount: 'Monto', term: 'Plazo',
    currentStep: 'Paso actual', created: 'Creada', decided: 'Decidida', expires: 'Vence', empty: 'Ninguna solicitud coincide', emptyHint: 'Las solicitudes aparecen aquí cuando los solicitantes aplican.',
    queueEmpty: 'Ninguna solicitud espera revisión', queueHint: 'Aquí aparecen las solicitudes cuyo paso de revisión necesita una persona.', pager: 'Páginas de solicitudes',
    detailOf: 'Solicitud de {name}', steps: 'Pasos del flujo', step: 'Paso', type: 'Tipo', state: 'Estado', started: 'Inicio', completed: 'Fin',
    input: 'Entrada', output: 'Salida', consents: 'Evidencia de consentimiento legal', document: 'Documento', version: 'Versión', sha: 'SHA-256', ip: 'Dirección IP',
    userAgent: 'Navegador', device: 'Huella del dispositivo', accepted: 'Aceptado', noConsents: 'Aún no hay consentimientos.', reason: 'Motivo', decisionReason: 'Motivo de la decisión',
    credit: 'Crédito', viewCredit: 'Ver crédito', approve: 'Aprobar', reject: 'Rechazar', requestInfo: 'Pedir información', review: 'Revisar', decisionTitle: '{decision}: solicitud de {name}',
    confirm: 'Confirmar', reviewed: 'Decisión registrada: {status}.', makerChecker: 'Por encima de {limit} un segundo revisor distinto completa la aprobación.',
    approvals: 'Aprobaciones hasta ahora: {n}', awaitingSecond: 'Espera un segundo revisor', yourApproval: 'Usted ya la aprobó; otro revisor debe completarla.',
    term_months: '{n} cuotas', none: '—',
    IN_PROGRESS: 'En curso', APPROVED: 'Aprobada', DISBURSED: 'Desembolsada', REJECTED: 'Rechazada', CANCELLED: 'Cancelada', WITHDRAWN: 'Desistida', EXPIRED: 'Vencida',
    PENDING: 'Pendiente', WAITING_INPUT: 'Espera al solicitante', WAITING_EVENT: 'Espera a un proveedor', WAITING_REVIEW: 'Espera revisión', COMPLETED: 'Completado', SKIPPED: 'Omitido', FAILED: 'Fallido',
    LANDING: 'Landing', USER_REGISTRATION: 'Registro', LEGAL_CONSENT: 'Consentimiento legal', CONTACT_VERIFICATION: 'Verificación de contacto', FORM: 'Formulario',
    COMPLIANCE_CHECK: 'Cumplimiento', MANUAL_REVIEW: 'Revisión manual', IDENTITY_VALIDATION: 'Validación de identidad', DOCUMENT_SIGNATURE: 'Firma de documentos', DISBURSEMENT: 'Desembolso',
  },
});

const STATUSES: ApplicationStatus[] = ['IN_PROGRESS', 'APPROVED', 'DISBURSED', 'REJECTED', 'CANCELLED', 'WITHDRAWN', 'EXPIRED'];
const STEP_TYPES: PipelineStepType[] = ['LANDING', 'USER_REGISTRATION', 'LEGAL_CONSENT', 'CONTACT_VERIFICATION', 'FORM', 'COMPLIANCE_CHECK', 'MANUAL_REVIEW', 'IDENTITY_VALIDATION', 'DOCUMENT_SIGNATURE', 'DISBURSEMENT'];
const STEP_STATES: StepState[] = ['PENDING', 'WAITING_INPUT', 'WAITING_EVENT', 'WAITING_REVIEW', 'COMPLETED', 'SKIPPED', 'REJECTED', 'FAILED'];
const oneOf = <T extends string>(list: readonly T[], v: string): T | undefined => (list as readonly string[]).includes(v) ? (v as T) : undefined;

export default function ApplicationsPage({ path }: { path: string[] }) {
  const t = useT(m);
  const [first] = path;
  if (first && first !== 'queue') return <ApplicationDetail id={first} />;
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <nav className="tabs" aria-label={t('title')}>
        <Link to="/applications" aria-current={!first ? 'page' : undefined}>{t('tabAll')}</Link>
        <Link to="/applications/queue" aria-current={first === 'queue' ? 'page' : undefined}>{t('tabQueue')}</Link>
      </nav>
      {first === 'queue' ? <ReviewQueue /> : <ApplicationList />}
    </>
  );
}

const ApplicationRowFragment = graphql(`
  fragment ApplicationRow_CreditApplication on CreditApplication {
    id amount currency term status currentStep createdAt decidedAt
    borrower { id displayName }
    product { id code }
    steps { key type state }
  }
`);

function useCurrent(a: { currentStep?: string | null; steps: readonly { key: string; type: PipelineStepType; state: StepState }[] }) {
  return a.steps.find((s) => s.key === a.currentStep) ?? null;
}

function ApplicationRow({ application: ref }: { application: FragmentType<typeof ApplicationRowFragment> }) {
  const a = getFragmentData(ApplicationRowFragment, ref);
  const t = useT(m);
  const f = useFormat();
  const current = useCurrent(a);
  return (
    <tr>
      <td><Link to={`/applications/${a.id}`}>{a.borrower.displayName}</Link></td>
      <td>{a.product.code}</td>
      <td className="num">{f.money(a.amount, a.currency)}</td>
      <td className="num">{a.term}</td>
      <td><Badge value={a.status} label={t(a.status)} /></td>
      <td>{current ? <>{current.key} <Badge value={current.state} label={t(current.state)} /></> : t('none')}</td>
      <td>{f.dateTime(a.createdAt)}</td>
    </tr>
  );
}

const ApplicationsQuery = graphql(`
  query ConsoleApplications($filter: CreditApplicationFilter, $first: Int, $after: String) {
    creditApplications(filter: $filter, first: $first, after: $after) {
      edges { node { id ...ApplicationRow_CreditApplication } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

function ApplicationList() {
  const t = useT(m);
  const tc = useT(common);
  const [status, setStatus] = useSearchParam('status');
  const [stepType, setStepType] = useSearchParam('stepType');
  const [stepState, setStepState] = useSearchParam('stepState');
  const filter = useMemo(() => ({
    ...(oneOf(STATUSES, status) && { status: oneOf(STATUSES, status) }),
    ...(oneOf(STEP_TYPES, stepType) && { currentStepType: oneOf(STEP_TYPES, stepType) }),
    ...(oneOf(STEP_STATES, stepState) && { currentStepState: oneOf(STEP_STATES, stepState) }),
  }), [status, stepType, stepState]);
  const pager = useCursorPager(JSON.stringify(filter));
  const q = useQuery(ApplicationsQuery, { variables: { filter, first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={tc('filter')}>
        <Select label={t('status')} value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: '', label: tc('any') }, ...STATUSES.map((s) => ({ value: s, label: t(s) }))]} />
        <Select label={t('stepType')} value={stepType} onChange={(e) => setStepType(e.target.value)} options={[{ value: '', label: tc('any') }, ...STEP_TYPES.map((s) => ({ value: s, label: t(s) }))]} />
        <Select label={t('stepState')} value={stepState} onChange={(e) => setStepState(e.target.value)} options={[{ value: '', label: tc('any') }, ...STEP_STATES.map((s) => ({ value: s, label: t(s) }))]} />
      </form>
      <ConnectionList result={q} connection={(d) => d.creditApplications} pager={pager} pagerLabel={t('pager')} caption={t('title')}
        columns={[t('borrower'), t('product'), { label: t('amount'), numeric: true }, { label: t('term'), numeric: true }, t('status'), t('currentStep'), t('created')]}
        empty={<EmptyState title={t('empty')} hint={t('emptyHint')} />}
        row={(e) => <ApplicationRow key={e.node.id} application={e.node} />} />
    </>
  );
}

/** The review step's maker-checker limit (from the pinned version's pipeline) and the approvals so far. */
const ReviewFragment = graphql(`
  fragment ReviewControls_CreditApplication on CreditApplication {
    id amount currency status currentStep
    borrower { id displayName }
    steps { key type state output }
    version { id pipeline { steps { key type config } } }
  }
`);

interface Approval { reviewerId: string }
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function reviewState(a: { currentStep?: string | null; steps: readonly { key: string; type: PipelineStepType; state: StepState; output: unknown }[]; version: { pipeline: { steps: readonly { key: string; type: PipelineStepType; config: unknown }[] } } }) {
  const step = a.steps.find((s) => s.key === a.currentStep && s.state === 'WAITING_REVIEW') ?? null;
  const config = step ? a.version.pipeline.steps.find((s) => s.key === step.key)?.config : undefined;
  const limit = step?.type === 'MANUAL_REVIEW' && isRecord(config) && typeof config.makerCheckerAboveAmount === 'string' ? config.makerCheckerAboveAmount : null;
  const raw = step && isRecord(step.output) && Array.isArray(step.output.approvals) ? step.output.approvals : [];
  const approvals = raw.filter((x): x is Approval => isRecord(x) && typeof x.reviewerId === 'string');
  return { step, limit, approvals };
}

const ReviewMutation = graphql(`
  mutation ConsoleReviewApplication($input: ReviewApplicationInput!) {
    reviewApplication(input: $input) { application { id status currentStep } userErrors { code message field } }
  }
`);

/** Approve / reject / ask for information with a reason; shows the maker-checker rule when it applies. */
function ReviewControls({ application: ref, onDecided }: { application: FragmentType<typeof ReviewFragment>; onDecided(message: string): void }) {
  const a = getFragmentData(ReviewFragment, ref);
  const t = useT(m);
  const f = useFormat();
  const { session } = useAuth();
  const { step, limit, approvals } = reviewState(a);
  const [decision, setDecision] = useState<ReviewDecision | null>(null);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [review, r] = useMutation(ReviewMutation, { refetchQueries: ['ConsoleApplications', 'ConsoleApplication', 'ConsoleReviewQueue'], awaitRefetchQueries: true });
  const mine = approvals.some((x) => x.reviewerId === session?.user.id);
  const label = (d: ReviewDecision) => t(d === 'APPROVE' ? 'approve' : d === 'REJECT' ? 'reject' : 'requestInfo');
  return (
    <div className="review-controls">
      {step && (
        <>
          {limit && <p><small>{t('makerChecker', { limit: f.money(limit, a.currency) })}</small></p>}
          {approvals.length > 0 && <p><Badge value="PENDING" label={t('awaitingSecond')} /> <small>{t('approvals', { n: approvals.length })}</small></p>}
          {mine && <p><small>{t('yourApproval')}</small></p>}
          <Can roles={CAN.reviewApplications}>
            <div className="page-actions">
              {(['APPROVE', 'REJECT', 'REQUEST_INFO'] as const).map((d) => (
                <button key={d} type="button" className={`button ${d === 'APPROVE' ? 'primary' : d === 'REJECT' ? 'danger' : 'secondary'}`}
                  aria-label={`${label(d)}: ${a.borrower.displayName}, ${f.money(a.amount, a.currency)}`}
                  onClick={() => { setDecision(d); setReason(''); setErrors([]); }}>{label(d)}</button>
              ))}
            </div>
          </Can>
        </>
      )}
      <Dialog open={decision !== null} title={decision ? t('decisionTitle', { decision: label(decision), name: a.borrower.displayName }) : ''} onClose={() => setDecision(null)}>
        <form onSubmit={async (e) => {
          e.preventDefault();
          if (!decision) return;
          const res = await review({ variables: { input: { applicationId: a.id, decision, reason } } });
          const payload = res.data?.reviewApplication;
          if (!payload) { setErrors([{ code: 'ERROR', message: res.error?.message ?? 'Error' }]); return; }
          setErrors(payload.userErrors);
          if (!payload.userErrors.length) {
            setDecision(null);
            onDecided(t('reviewed', { status: payload.application ? t(payload.application.status) : '' }));
          }
        }}>
          <UserErrors errors={errors} />
          <TextArea label={t('reason')} value={reason} onChange={(e) => setReason(e.target.value)} required
            error={errors.find((x) => x.field === 'reason')?.message} />
          <button type="submit" className={`button ${decision === 'REJECT' ? 'danger' : 'primary'}`} disabled={r.loading}>{t('confirm')}</button>
        </form>
      </Dialog>
    </div>
  );
}

const QueueQuery = graphql(`
  query ConsoleReviewQueue($first: Int, $after: String) {
    creditApplications(filter: { currentStepState: WAITING_REVIEW }, first: $first, after: $after) {
      edges { node { id amount currency term createdAt borrower { id displayName } product { id code } ...ReviewControls_CreditApplication } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

function ReviewQueue() {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const pager = useCursorPager();
  const q = useQuery(QueueQuery, { variables: { first: PAGE_SIZE, after: pager.after }, fetchPolicy: 'cache-and-network' });
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <>
    {notice && <Notice>{notice}</Notice>}
    <ConnectionList result={q} connection={(d) => d.creditApplications} pager={pager} pagerLabel={t('pager')} caption={t('tabQueue')}
      columns={[t('borrower'), t('product'), { label: t('amount'), numeric: true }, { label: t('term'), numeric: true }, t('currentStep'), t('created'), tc('actions')]}
      empty={<EmptyState title={t('queueEmpty')} hint={t('queueHint')} />}
      row={(e) => (
        <tr key={e.node.id}>
          <td><Link to={`/applications/${e.node.id}`}>{e.node.borrower.displayName}</Link></td>
          <td>{e.node.product.code}</td>
          <td className="num">{f.money(e.node.amount, e.node.currency)}</td>
          <td className="num">{e.node.term}</td>
          <td>{getFragmentData(ReviewFragment, e.node).currentStep ?? t('none')}</td>
          <td>{f.dateTime(e.node.createdAt)}</td>
          <td><ReviewControls application={e.node} onDecided={setNotice} /></td>
        </tr>
      )} />
    </>
  );
}

const ApplicationQuery = graphql(`
  query ConsoleApplication($id: ID!) {
    creditApplication(id: $id) {
      id amount currency term status currentStep decisionReason createdAt expiresAt decidedAt
      borrower { id displayName email }
      product { id code name }
      version { id number }
      credit { id status }
      steps { key type position state input output startedAt completedAt }
      consents { stepKey documentCode documentVersion sha256 ip userAgent deviceFingerprint acceptedAt }
      ...ReviewControls_CreditApplication
    }
  }
`);

const json = (v: unknown) => (v === null || v === undefined || (isRecord(v) && Object.keys(v).length === 0) ? null : JSON.stringify(v, null, 2));

function ApplicationDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(ApplicationQuery, { variables: { id } });
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <QueryView {...q} isEmpty={(d) => !d.creditApplication} empty={<EmptyState title={tc('notFound')} action={<Link to="/applications">{tc('back')}</Link>} />}>
      {(d) => {
        const a = d.creditApplication!;
        return (
          <>
            <PageHeader title={t('detailOf', { name: a.borrower.displayName })} subtitle={`${a.product.code} · v${a.version.number}`}
              actions={<Link className="button secondary" to="/applications">{tc('back')}</Link>} />
            {notice && <Notice>{notice}</Notice>}
            <Section title={tc('details')}>
              <Details items={[
                [t('status'), <Badge value={a.status} label={t(a.status)} />], [t('amount'), f.money(a.amount, a.currency)], [t('term'), t('term_months', { n: a.term })],
                [t('currentStep'), a.currentStep ?? t('none')], [t('created'), f.dateTime(a.createdAt)], [t('expires'), f.dateTime(a.expiresAt)],
                [t('decided'), a.decidedAt ? f.dateTime(a.decidedAt) : t('none')], [t('decisionReason'), a.decisionReason ?? t('none')],
                [t('credit'), a.credit ? <Link to={`/credits/${a.credit.id}`}>{t('viewCredit')}</Link> : t('none')],
              ]} />
              <ReviewControls application={a} onDecided={setNotice} />
            </Section>
            <Section title={t('steps')}>
              <ol className="timeline" aria-label={t('steps')}>
                {a.steps.map((s) => (
                  <li key={s.key} className={`timeline-step step-${s.state}`} aria-current={s.key === a.currentStep ? 'step' : undefined}>
                    <h3>{s.position}. {s.key} <small>({t(s.type)})</small> <Badge value={s.state} label={t(s.state)} /></h3>
                    <p><small>{t('started')}: {s.startedAt ? f.dateTime(s.startedAt) : t('none')} · {t('completed')}: {s.completedAt ? f.dateTime(s.completedAt) : t('none')}</small></p>
                    {json(s.input) && <details><summary>{t('input')}</summary><pre>{json(s.input)}</pre></details>}
                    {json(s.output) && <details><summary>{t('output')}</summary><pre>{json(s.output)}</pre></details>}
                  </li>
                ))}
              </ol>
            </Section>
            <Section title={t('consents')}>
              {!a.consents.length ? <EmptyState title={t('noConsents')} /> : (
                <DataTable caption={t('consents')} columns={[t('step'), t('document'), t('version'), t('sha'), t('ip'), t('userAgent'), t('device'), t('accepted')]}>
                  {a.consents.map((c) => (
                    <tr key={`${c.stepKey}-${c.documentCode}-${c.documentVersion}`}>
                      <td>{c.stepKey}</td><td>{c.documentCode}</td><td className="num">{c.documentVersion}</td><td><code className="hash">{c.sha256}</code></td>
                      <td>{c.ip ?? t('none')}</td><td><small>{c.userAgent ?? t('none')}</small></td><td>{c.deviceFingerprint ?? t('none')}</td><td>{f.dateTime(c.acceptedAt)}</td>
                    </tr>
                  ))}
                </DataTable>
              )}
            </Section>
          </>
        );
      }}
    </QueryView>
  );
}
