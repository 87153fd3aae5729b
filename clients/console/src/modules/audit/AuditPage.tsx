/**
 * Audit (OCSF events): search with filters and cursor pages, an event's detail (its OCSF record),
 * and the live tail: the `auditEvents` subscription over graphql-ws through the gateway.
 */
import { useState } from 'react';
import { useQuery, useSubscription } from '@apollo/client/react';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, PageHeader, Section, TextInput } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, ErrorState, Loading, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';
import { lazy, Suspense } from 'react';

// Recharts loads only with the reports tab.
const AuditReports = lazy(() => import('./Reports').then((mod) => ({ default: mod.AuditReports })));

const m = defineMessages({
  en: {
    title: 'Audit', subtitle: 'Every action on the platform, as OCSF events.', tabSearch: 'Search', tabLive: 'Live tail', tabReports: 'Reports',
    text: 'Words', resourceType: 'Resource type', time: 'Time', message: 'Event', actor: 'Actor', resource: 'Resource', status: 'Status',
    empty: 'No events match', emptyHint: 'Widen the search, or clear the filters.', liveTitle: 'Live tail', liveWaiting: 'Listening: new events appear here as they happen.',
    connected: 'Connected', pager: 'Audit event pages', className: 'Class', activity: 'Activity', severity: 'Severity', correlation: 'Correlation id', ocsf: 'OCSF record',
    system: 'system',
  },
  es: {
    title: 'Auditoría', subtitle: 'Cada acción en la plataforma, como eventos OCSF.', tabSearch: 'Búsqueda', tabLive: 'En vivo', tabReports: 'Reportes',
    text: 'Palabras', resourceType: 'Tipo de recurso', time: 'Hora', message: 'Evento', actor: 'Actor', resource: 'Recurso', status: 'Estado',
    empty: 'Ningún evento coincide', emptyHint: 'Amplíe la búsqueda o limpie los filtros.', liveTitle: 'En vivo', liveWaiting: 'Escuchando: los eventos nuevos aparecen aquí al ocurrir.',
    connected: 'Conectado', pager: 'Páginas de eventos de auditoría', className: 'Clase', activity: 'Actividad', severity: 'Severidad', correlation: 'Id de correlación', ocsf: 'Registro OCSF',
    system: 'sistema',
  },
});

export default function AuditPage({ path }: { path: string[] }) {
  const t = useT(m);
  const [first] = path;
  if (first && first !== 'live' && first !== 'reports') return <AuditDetail id={first} />;
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <nav className="tabs" aria-label={t('title')}>
        <Link to="/audit" aria-current={!first ? 'page' : undefined}>{t('tabSearch')}</Link>
        <Link to="/audit/live" aria-current={first === 'live' ? 'page' : undefined}>{t('tabLive')}</Link>
        <Link to="/audit/reports" aria-current={first === 'reports' ? 'page' : undefined}>{t('tabReports')}</Link>
      </nav>
      {first === 'live' ? <LiveTail /> : first === 'reports' ? <Suspense fallback={<Loading />}><AuditReports /></Suspense> : <AuditSearch />}
    </>
  );
}

const AuditRowFragment = graphql(`
  fragment AuditRow_AuditEvent on AuditEvent {
    id time message status severity resourceType resourceId actorKind actorUserId
    actor { id displayName }
  }
`);

function AuditRow({ event: ref }: { event: FragmentType<typeof AuditRowFragment> }) {
  const e = getFragmentData(AuditRowFragment, ref);
  const f = useFormat();
  const t = useT(m);
  return (
    <tr>
      <td>{f.dateTime(e.time)}</td>
      <td><Link to={`/audit/${e.id}`}>{e.message}</Link></td>
      <td>{e.actor?.displayName ?? (e.actorKind === 'SYSTEM' ? t('system') : e.actorKind.toLowerCase())}</td>
      <td>{e.resourceType ? `${e.resourceType}${e.resourceId ? ` · ${e.resourceId.slice(0, 8)}` : ''}` : '—'}</td>
      <td><Badge value={e.status} /></td>
    </tr>
  );
}

const useEventColumns = () => {
  const t = useT(m);
  return [t('time'), t('message'), t('actor'), t('resource'), t('status')];
};

const AuditSearchQuery = graphql(`
  query ConsoleAuditEvents($filter: AuditEventFilter, $first: Int, $after: String) {
    auditEvents(filter: $filter, first: $first, after: $after) {
      edges { node { id ...AuditRow_AuditEvent } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

function AuditSearch() {
  const t = useT(m);
  const tc = useT(common);
  const [text, setText] = useSearchParam('q');
  const [resourceType, setResourceType] = useSearchParam('resource');
  const [draft, setDraft] = useState(text);
  const filter = { ...(text && { text }), ...(resourceType && { resourceType }) };
  const pager = useCursorPager(JSON.stringify(filter));
  const q = useQuery(AuditSearchQuery, { variables: { filter, first: PAGE_SIZE, after: pager.after } });
  const columns = useEventColumns();
  return (
    <>
      <form className="filters" role="search" onSubmit={(e) => { e.preventDefault(); setText(draft.trim()); }}>
        <TextInput label={t('text')} value={draft} onChange={(e) => setDraft(e.target.value)} />
        <TextInput label={t('resourceType')} value={resourceType} onChange={(e) => setResourceType(e.target.value)} />
        <button type="submit" className="button primary">{tc('filter')}</button>
      </form>
      <ConnectionList result={q} connection={(d) => d.auditEvents} pager={pager} pagerLabel={t('pager')} caption={t('title')} columns={columns}
        empty={<EmptyState title={t('empty')} hint={t('emptyHint')} />}
        row={(e) => <AuditRow key={e.node.id} event={e.node} />} />
    </>
  );
}

const AuditTail = graphql(`
  subscription ConsoleAuditTail($filter: AuditEventFilter) { auditEvents(filter: $filter) { id ...AuditRow_AuditEvent } }
`);

/** Newest first, at most 200 kept. */
function LiveTail() {
  const t = useT(m);
  const columns = useEventColumns();
  const [events, setEvents] = useState<{ id: string; ref: FragmentType<typeof AuditRowFragment> }[]>([]);
  const { error } = useSubscription(AuditTail, {
    variables: { filter: null },
    onData: ({ data }) => {
      const e = data.data?.auditEvents;
      if (e) setEvents((list) => [{ id: e.id, ref: e }, ...list.filter((x) => x.id !== e.id)].slice(0, 200));
    },
  });
  return (
    <Section title={t('liveTitle')} actions={<span><span className={`live-dot${error ? ' live-off' : ''}`} aria-hidden="true" />{error ? '' : t('connected')}</span>}>
      {error && <ErrorState error={error} />}
      <div aria-live="polite">
        {!events.length ? <EmptyState title={t('liveWaiting')} /> : <DataTable columns={columns} caption={t('liveTitle')}>{events.map((e) => <AuditRow key={e.id} event={e.ref} />)}</DataTable>}
      </div>
    </Section>
  );
}

const AuditEventQuery = graphql(`
  query ConsoleAuditEvent($id: ID!) {
    auditEvent(id: $id) { id time className activityName severity status message resourceType resourceId actorKind correlationId ocsf actor { id displayName email } }
  }
`);

function AuditDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(AuditEventQuery, { variables: { id } });
  return (
    <QueryView {...q} isEmpty={(d) => !d.auditEvent} empty={<EmptyState title={tc('notFound')} action={<Link to="/audit">{tc('back')}</Link>} />}>
      {(d) => {
        const e = d.auditEvent!;
        return (
          <>
            <PageHeader title={e.message} actions={<Link className="button secondary" to="/audit">{tc('back')}</Link>} />
            <Section title={tc('details')}>
              <Details items={[[t('time'), f.dateTime(e.time)], [t('className'), e.className], [t('activity'), e.activityName], [t('severity'), e.severity], [t('status'), <Badge value={e.status} />],
                [t('actor'), e.actor ? `${e.actor.displayName} <${e.actor.email}>` : e.actorKind], [t('resource'), e.resourceType ? `${e.resourceType} ${e.resourceId ?? ''}` : '—'], [t('correlation'), e.correlationId ?? '—']]} />
            </Section>
            <Section title={t('ocsf')}><pre className="json" tabIndex={0}>{JSON.stringify(e.ocsf, null, 2)}</pre></Section>
          </>
        );
      }}
    </QueryView>
  );
}
