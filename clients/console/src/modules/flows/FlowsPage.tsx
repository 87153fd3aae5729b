/**
 * Flows: the tenant's verification flows with their versions and steps, a new flow (designers), and
 * the executions with their step results and provider calls.
 */
import { useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import { graphql } from '../../__generated__';
import { Can } from '../../lib/auth';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { CAN } from '../../lib/roles';
import { Link, useRouter } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, Dialog, PageHeader, Section, TextInput, UserErrors, type UserErrorLike } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';

const m = defineMessages({
  en: {
    title: 'Verification flows', subtitle: 'Flows, their versions and steps, and the executions.', tabFlows: 'Flows', tabExecutions: 'Executions',
    code: 'Code', name: 'Name', published: 'Published', draft: 'Draft', created: 'Created', newFlow: 'New flow', create: 'Create flow',
    emptyFlows: 'No flows yet', emptyFlowsHint: 'A flow chains verification steps (forms, documents, providers) with rules.', versions: 'Versions', steps: 'Steps', key: 'Key', type: 'Type', capability: 'Capability',
    status: 'Status', outcome: 'Outcome', subject: 'Subject', flow: 'Flow', current: 'Current step', completed: 'Completed', emptyExecutions: 'No executions yet', emptyExecutionsHint: 'Executions appear when a flow is triggered.',
    results: 'Step results', calls: 'Provider calls', provider: 'Provider', attempts: 'Attempts', latency: 'Latency (ms)', noSteps: 'No steps in this version.', pager: 'Pages', version: 'Version',
  },
  es: {
    title: 'Flujos de verificación', subtitle: 'Flujos, sus versiones y pasos, y las ejecuciones.', tabFlows: 'Flujos', tabExecutions: 'Ejecuciones',
    code: 'Código', name: 'Nombre', published: 'Publicada', draft: 'Borrador', created: 'Creado', newFlow: 'Nuevo flujo', create: 'Crear flujo',
    emptyFlows: 'Todavía no hay flujos', emptyFlowsHint: 'Un flujo encadena pasos de verificación (formularios, documentos, proveedores) con reglas.', versions: 'Versiones', steps: 'Pasos', key: 'Clave', type: 'Tipo', capability: 'Capacidad',
    status: 'Estado', outcome: 'Resultado', subject: 'Sujeto', flow: 'Flujo', current: 'Paso actual', completed: 'Completada', emptyExecutions: 'Todavía no hay ejecuciones', emptyExecutionsHint: 'Las ejecuciones aparecen cuando se dispara un flujo.',
    results: 'Resultados por paso', calls: 'Llamadas a proveedores', provider: 'Proveedor', attempts: 'Intentos', latency: 'Latencia (ms)', noSteps: 'Esta versión no tiene pasos.', pager: 'Páginas', version: 'Versión',
  },
});

export default function FlowsPage({ path }: { path: string[] }) {
  const t = useT(m);
  const [tab, id] = path;
  if (tab === 'executions' && id) return <ExecutionDetail id={id} />;
  if (tab && tab !== 'executions') return <FlowDetail id={tab} />;
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} actions={!tab && <NewFlowButton />} />
      <nav className="tabs" aria-label={t('title')}>
        <Link to="/flows" aria-current={!tab ? 'page' : undefined}>{t('tabFlows')}</Link>
        <Link to="/flows/executions" aria-current={tab === 'executions' ? 'page' : undefined}>{t('tabExecutions')}</Link>
      </nav>
      {tab === 'executions' ? <Executions /> : <Flows />}
    </>
  );
}

const FlowsQuery = graphql(`
  query ConsoleFlows($first: Int, $after: String) {
    flows(first: $first, after: $after) { edges { node { id code name createdAt publishedVersion { id number } draftVersion { id number } } } pageInfo { hasNextPage endCursor } }
  }
`);

function Flows() {
  const t = useT(m);
  const f = useFormat();
  const pager = useCursorPager();
  const q = useQuery(FlowsQuery, { variables: { first: PAGE_SIZE, after: pager.after } });
  return (
    <ConnectionList result={q} connection={(d) => d.flows} pager={pager} pagerLabel={t('pager')}
      columns={[t('code'), t('name'), t('published'), t('draft'), t('created')]}
      empty={<EmptyState title={t('emptyFlows')} hint={t('emptyFlowsHint')} />}
      row={({ node: fl }) => <tr key={fl.id}><td><Link to={`/flows/${fl.id}`}>{fl.code}</Link></td><td>{fl.name}</td><td>{fl.publishedVersion ? `v${fl.publishedVersion.number}` : '—'}</td><td>{fl.draftVersion ? `v${fl.draftVersion.number}` : '—'}</td><td>{f.dateTime(fl.createdAt)}</td></tr>} />
  );
}

const CreateFlow = graphql(`
  mutation ConsoleCreateFlow($input: CreateFlowInput!) { createFlow(input: $input) { flow { id code } userErrors { code message field } } }
`);

function NewFlowButton() {
  const t = useT(m);
  const tc = useT(common);
  const { navigate } = useRouter();
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [create, c] = useMutation(CreateFlow, { refetchQueries: ['ConsoleFlows'] });
  return (
    <Can roles={CAN.designFlows}>
      <button type="button" className="button primary" onClick={() => setOpen(true)}>{t('newFlow')}</button>
      <Dialog open={open} title={t('newFlow')} onClose={() => setOpen(false)}>
        <form onSubmit={async (e) => {
          e.preventDefault();
          const payload = (await create({ variables: { input: { code, name } } })).data?.createFlow;
          setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
          if (payload?.flow) { setOpen(false); navigate(`/flows/${payload.flow.id}`); }
        }}>
          <UserErrors errors={errors} />
          <TextInput label={t('code')} value={code} onChange={(e) => setCode(e.target.value.toUpperCase())} required />
          <TextInput label={t('name')} value={name} onChange={(e) => setName(e.target.value)} required />
          <button type="submit" className="button primary" disabled={c.loading}>{t('create')}</button>
        </form>
      </Dialog>
    </Can>
  );
}

const FlowQuery = graphql(`
  query ConsoleFlow($id: ID!) {
    flow(id: $id) { id code name createdAt versions { id number status createdAt publishedAt steps { id key name position type capability } } }
  }
`);

function FlowDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(FlowQuery, { variables: { id } });
  return (
    <QueryView {...q} isEmpty={(d) => !d.flow} empty={<EmptyState title={tc('notFound')} action={<Link to="/flows">{tc('back')}</Link>} />}>
      {(d) => {
        const fl = d.flow!;
        return (
          <>
            <PageHeader title={`${fl.code} · ${fl.name}`} actions={<Link className="button secondary" to="/flows">{tc('back')}</Link>} />
            {fl.versions.map((v) => (
              <Section key={v.id} title={`${t('version')} ${v.number}`} actions={<Badge value={v.status} />}>
                <p>{t('created')}: {f.dateTime(v.createdAt)}{v.publishedAt ? ` · ${t('published')}: ${f.dateTime(v.publishedAt)}` : ''}</p>
                {!v.steps.length ? <EmptyState title={t('noSteps')} /> : (
                  <DataTable columns={['#', t('key'), t('name'), t('type'), t('capability')]} caption={t('steps')} hiddenCaption={false}>
                    {v.steps.map((s) => <tr key={s.id}><td>{s.position}</td><td><code>{s.key}</code></td><td>{s.name}</td><td>{s.type}</td><td>{s.capability ?? '—'}</td></tr>)}
                  </DataTable>
                )}
              </Section>
            ))}
          </>
        );
      }}
    </QueryView>
  );
}

const ExecutionsQuery = graphql(`
  query ConsoleFlowRequests($first: Int, $after: String) {
    flowRequests(first: $first, after: $after) { edges { node { id subjectRef status outcome currentStepKey createdAt completedAt flow { id code } } } pageInfo { hasNextPage endCursor } }
  }
`);

function Executions() {
  const t = useT(m);
  const f = useFormat();
  const pager = useCursorPager();
  const q = useQuery(ExecutionsQuery, { variables: { first: PAGE_SIZE, after: pager.after } });
  return (
    <ConnectionList result={q} connection={(d) => d.flowRequests} pager={pager} pagerLabel={t('pager')}
      columns={[t('created'), t('flow'), t('subject'), t('status'), t('outcome'), t('current')]}
      empty={<EmptyState title={t('emptyExecutions')} hint={t('emptyExecutionsHint')} />}
      row={({ node: r }) => <tr key={r.id}><td><Link to={`/flows/executions/${r.id}`}>{f.dateTime(r.createdAt)}</Link></td><td>{r.flow.code}</td><td>{r.subjectRef}</td><td><Badge value={r.status} /></td><td>{r.outcome ?? '—'}</td><td>{r.currentStepKey ?? '—'}</td></tr>} />
  );
}

const ExecutionQuery = graphql(`
  query ConsoleFlowRequest($id: ID!) {
    flowRequest(id: $id) {
      id subjectRef status outcome failureCode currentStepKey createdAt completedAt expiresAt flow { id code } version { id number }
      steps { stepKey status completedAt }
      providerCalls { id stepKey capability provider outcome attempts latencyMs errorCode createdAt }
    }
  }
`);

function ExecutionDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(ExecutionQuery, { variables: { id } });
  return (
    <QueryView {...q} isEmpty={(d) => !d.flowRequest} empty={<EmptyState title={tc('notFound')} />}>
      {(d) => {
        const r = d.flowRequest!;
        return (
          <>
            <PageHeader title={`${r.flow.code} · ${r.subjectRef}`} actions={<Link className="button secondary" to="/flows/executions">{tc('back')}</Link>} />
            <Section title={tc('details')}>
              <Details items={[[t('status'), <Badge value={r.status} />], [t('outcome'), r.outcome ?? '—'], [t('version'), `v${r.version.number}`], [t('current'), r.currentStepKey ?? '—'], [t('created'), f.dateTime(r.createdAt)], [t('completed'), f.dateTime(r.completedAt)]]} />
            </Section>
            <Section title={t('results')}>
              {!r.steps.length ? <EmptyState /> : <ol className="timeline">{r.steps.map((s) => <li key={s.stepKey}><code>{s.stepKey}</code> <Badge value={s.status} /> {f.dateTime(s.completedAt)}</li>)}</ol>}
            </Section>
            <Section title={t('calls')}>
              {!r.providerCalls.length ? <EmptyState /> : (
                <DataTable columns={[t('key'), t('capability'), t('provider'), t('outcome'), { label: t('attempts'), numeric: true }, { label: t('latency'), numeric: true }]}>
                  {r.providerCalls.map((c) => <tr key={c.id}><td>{c.stepKey ?? '—'}</td><td>{c.capability}</td><td>{c.provider}</td><td><Badge value={c.outcome} /></td><td className="num">{c.attempts}</td><td className="num">{c.latencyMs}</td></tr>)}
                </DataTable>
              )}
            </Section>
          </>
        );
      }}
    </QueryView>
  );
}
