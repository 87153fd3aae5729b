/**
 * Notifications: templates (list, create, detail with a preview per locale), the delivery log (filters,
 * attempts per request), the local mailbox (what the built-in provider delivered) and the channels'
 * provider configuration (tenant_admin; credentials are never shown).
 */
import { useState } from 'react';
import { useLazyQuery, useMutation, useQuery } from '@apollo/client/react';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import type { NotificationChannel, NotificationStatus } from '../../__generated__/graphql';
import { Can, useAuth } from '../../lib/auth';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { CAN } from '../../lib/roles';
import { Link, useRouter, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, Dialog, Notice, PageHeader, Section, Select, TextArea, TextInput, UserErrors, useMutationFeedback, type UserErrorLike } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';

const m = defineMessages({
  en: {
    title: 'Notifications', subtitle: 'Templates, delivery log, local mailbox and channels.', tabTemplates: 'Templates', tabLog: 'Delivery log', tabMailbox: 'Local mailbox', tabChannels: 'Channels',
    key: 'Key', channel: 'Channel', version: 'Current version', archived: 'Archived', updated: 'Updated', emptyTemplates: 'No templates yet', emptyTemplatesHint: 'Create one per message your customers receive, with a body per language.',
    newTemplate: 'New template', variables: 'Variables (comma-separated)', bodyEs: 'Body in Spanish', bodyEn: 'Body in English', subjectEs: 'Subject in Spanish', subjectEn: 'Subject in English', create: 'Create template',
    preview: 'Preview', locale: 'Language', previewLocale: 'Preview language', values: 'Values (JSON)', render: 'Render preview', versions: 'Versions', bodies: 'Bodies',
    status: 'Status', recipient: 'Recipient', template: 'Template', provider: 'Provider', created: 'Created', attempts: 'Attempts', error: 'Error', started: 'Started', finished: 'Finished',
    emptyLog: 'No deliveries match', emptyLogHint: 'Messages appear here once sent.', emptyMailbox: 'The local mailbox is empty', emptyMailboxHint: 'Messages sent with the built-in local provider land here.',
    subject: 'Subject', body: 'Body', priority: 'Priority', enabled: 'Enabled', credentials: 'Credentials stored', settings: 'Settings', emptyChannels: 'No channel configured', emptyChannelsHint: 'Without one, messages go through the built-in local provider.',
    pager: 'Pages', created2: 'Template created.', detailOf: 'Template {key}', request: 'Delivery {id}',
    addChannel: 'Add provider', remove: 'Remove', removed: 'Provider removed.', channelSaved: 'Provider saved.', credentialsInput: 'Credentials (JSON, write-only)',
    credentialsHint: 'Stored encrypted and never shown again; leave empty to keep the stored ones.', settingsHint: 'Non-secret settings as a JSON object (e.g. {"from": "+15005550006"}).', jsonObject: 'Write a JSON object, e.g. {"key": "value"}.',
  },
  es: {
    title: 'Notificaciones', subtitle: 'Plantillas, registro de envíos, buzón local y canales.', tabTemplates: 'Plantillas', tabLog: 'Registro de envíos', tabMailbox: 'Buzón local', tabChannels: 'Canales',
    key: 'Clave', channel: 'Canal', version: 'Versión vigente', archived: 'Archivada', updated: 'Actualizada', emptyTemplates: 'Todavía no hay plantillas', emptyTemplatesHint: 'Cree una por cada mensaje que reciben sus clientes, con un texto por idioma.',
    newTemplate: 'Nueva plantilla', variables: 'Variables (separadas por comas)', bodyEs: 'Texto en español', bodyEn: 'Texto en inglés', subjectEs: 'Asunto en español', subjectEn: 'Asunto en inglés', create: 'Crear plantilla',
    preview: 'Vista previa', locale: 'Idioma', previewLocale: 'Idioma de la vista previa', values: 'Valores (JSON)', render: 'Generar vista previa', versions: 'Versiones', bodies: 'Textos',
    status: 'Estado', recipient: 'Destinatario', template: 'Plantilla', provider: 'Proveedor', created: 'Creado', attempts: 'Intentos', error: 'Error', started: 'Inicio', finished: 'Fin',
    emptyLog: 'Ningún envío coincide', emptyLogHint: 'Los mensajes aparecen aquí al enviarse.', emptyMailbox: 'El buzón local está vacío', emptyMailboxHint: 'Los mensajes enviados con el proveedor local integrado llegan aquí.',
    subject: 'Asunto', body: 'Texto', priority: 'Prioridad', enabled: 'Habilitado', credentials: 'Credenciales guardadas', settings: 'Configuración', emptyChannels: 'Ningún canal configurado', emptyChannelsHint: 'Sin configuración, los mensajes salen por el proveedor local integrado.',
    pager: 'Páginas', created2: 'Plantilla creada.', detailOf: 'Plantilla {key}', request: 'Envío {id}',
    addChannel: 'Agregar proveedor', remove: 'Quitar', removed: 'Proveedor quitado.', channelSaved: 'Proveedor guardado.', credentialsInput: 'Credenciales (JSON, solo escritura)',
    credentialsHint: 'Se guardan cifradas y no se vuelven a mostrar; déjelo vacío para conservar las guardadas.', settingsHint: 'Configuración no secreta como objeto JSON (p. ej. {"from": "+15005550006"}).', jsonObject: 'Escriba un objeto JSON, p. ej. {"clave": "valor"}.',
  },
});

const CHANNELS: NotificationChannel[] = ['EMAIL', 'SMS', 'WHATSAPP', 'PUSH', 'WEBHOOK'];
const STATUSES: NotificationStatus[] = ['QUEUED', 'SENT', 'DELIVERED', 'FAILED', 'BOUNCED', 'SUPPRESSED'];

export default function NotificationsPage({ path }: { path: string[] }) {
  const t = useT(m);
  const { can } = useAuth();
  const [tab, id] = path;
  if (tab === 'templates' && id === 'new') return <NewTemplate />;
  if (tab === 'templates' && id) return <TemplateDetail id={id} />;
  if (tab === 'log' && id) return <RequestDetail id={id} />;
  const current = tab ?? 'templates';
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} actions={current === 'templates' && <Can roles={CAN.writeTemplates}><Link className="button primary" to="/notifications/templates/new">{t('newTemplate')}</Link></Can>} />
      <nav className="tabs" aria-label={t('title')}>
        <Link to="/notifications" aria-current={current === 'templates' ? 'page' : undefined}>{t('tabTemplates')}</Link>
        {can(CAN.readDeliveryLog) && <Link to="/notifications/log" aria-current={current === 'log' ? 'page' : undefined}>{t('tabLog')}</Link>}
        {can(CAN.readMailbox) && <Link to="/notifications/mailbox" aria-current={current === 'mailbox' ? 'page' : undefined}>{t('tabMailbox')}</Link>}
        {can(CAN.configureChannels) && <Link to="/notifications/channels" aria-current={current === 'channels' ? 'page' : undefined}>{t('tabChannels')}</Link>}
      </nav>
      {current === 'log' ? <DeliveryLog /> : current === 'mailbox' ? <Mailbox /> : current === 'channels' ? <Channels /> : <Templates />}
    </>
  );
}

const TemplateRowFragment = graphql(`
  fragment TemplateRow_NotificationTemplate on NotificationTemplate { id key channel currentVersion archived updatedAt }
`);

function TemplateRow({ template: ref }: { template: FragmentType<typeof TemplateRowFragment> }) {
  const tpl = getFragmentData(TemplateRowFragment, ref);
  const f = useFormat();
  const tc = useT(common);
  return <tr><td><Link to={`/notifications/templates/${tpl.id}`}>{tpl.key}</Link></td><td>{tpl.channel}</td><td className="num">v{tpl.currentVersion}</td><td>{tpl.archived ? tc('yes') : tc('no')}</td><td>{f.dateTime(tpl.updatedAt)}</td></tr>;
}

const TemplatesQuery = graphql(`
  query ConsoleTemplates($channel: NotificationChannel, $first: Int, $after: String) {
    notificationTemplates(channel: $channel, first: $first, after: $after) { edges { node { id ...TemplateRow_NotificationTemplate } } pageInfo { hasNextPage endCursor } }
  }
`);

function Templates() {
  const t = useT(m);
  const tc = useT(common);
  const [channel, setChannel] = useSearchParam('channel');
  const ch = (CHANNELS as string[]).includes(channel) ? (channel as NotificationChannel) : null;
  const pager = useCursorPager(channel);
  const q = useQuery(TemplatesQuery, { variables: { channel: ch, first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <div className="filters"><Select label={t('channel')} value={channel} onChange={(e) => setChannel(e.target.value)} options={[{ value: '', label: tc('any') }, ...CHANNELS.map((c) => ({ value: c, label: c }))]} /></div>
      <ConnectionList result={q} connection={(d) => d.notificationTemplates} pager={pager} pagerLabel={t('pager')}
        columns={[t('key'), t('channel'), { label: t('version'), numeric: true }, t('archived'), t('updated')]}
        empty={<EmptyState title={t('emptyTemplates')} hint={t('emptyTemplatesHint')} />}
        row={(e) => <TemplateRow key={e.node.id} template={e.node} />} />
    </>
  );
}

const CreateTemplate = graphql(`
  mutation ConsoleCreateTemplate($input: CreateNotificationTemplateInput!) { createNotificationTemplate(input: $input) { template { id key } userErrors { code message field } } }
`);

function NewTemplate() {
  const t = useT(m);
  const tc = useT(common);
  const { navigate } = useRouter();
  const [key, setKey] = useState('');
  const [channel, setChannel] = useState<NotificationChannel>('EMAIL');
  const [variables, setVariables] = useState('name');
  const [subjectEs, setSubjectEs] = useState('');
  const [subjectEn, setSubjectEn] = useState('');
  const [bodyEs, setBodyEs] = useState('');
  const [bodyEn, setBodyEn] = useState('');
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([]);
  const [create, { loading }] = useMutation(CreateTemplate, { refetchQueries: ['ConsoleTemplates'] });
  const subject = (s: string) => (channel === 'EMAIL' ? s || null : null);
  return (
    <>
      <PageHeader title={t('newTemplate')} actions={<Link className="button secondary" to="/notifications">{tc('back')}</Link>} />
      <form className="card" aria-label={t('newTemplate')} onSubmit={async (e) => {
        e.preventDefault();
        const r = await create({ variables: { input: { key, channel, variables: variables.split(',').map((v) => v.trim()).filter(Boolean), bodies: [{ locale: 'es', subject: subject(subjectEs), body: bodyEs }, { locale: 'en', subject: subject(subjectEn), body: bodyEn }] } } });
        const payload = r.data?.createNotificationTemplate;
        setErrors(payload?.userErrors ?? [{ code: 'ERROR', message: tc('errorTitle') }]);
        if (payload?.template) navigate(`/notifications/templates/${payload.template.id}`);
      }}>
        <UserErrors errors={errors} />
        <div className="form-row">
          <TextInput label={t('key')} name="key" value={key} onChange={(e) => setKey(e.target.value)} required />
          <Select label={t('channel')} value={channel} onChange={(e) => setChannel(e.target.value as NotificationChannel)} options={CHANNELS.map((c) => ({ value: c, label: c }))} />
          <TextInput label={t('variables')} name="variables" value={variables} onChange={(e) => setVariables(e.target.value)} />
        </div>
        {channel === 'EMAIL' && <div className="form-row"><TextInput label={t('subjectEs')} value={subjectEs} onChange={(e) => setSubjectEs(e.target.value)} /><TextInput label={t('subjectEn')} value={subjectEn} onChange={(e) => setSubjectEn(e.target.value)} /></div>}
        <div className="form-row">
          <TextArea label={t('bodyEs')} value={bodyEs} onChange={(e) => setBodyEs(e.target.value)} required rows={4} />
          <TextArea label={t('bodyEn')} value={bodyEn} onChange={(e) => setBodyEn(e.target.value)} required rows={4} />
        </div>
        <button type="submit" className="button primary" disabled={loading}>{t('create')}</button>
      </form>
    </>
  );
}

const TemplateQuery = graphql(`
  query ConsoleTemplate($id: ID!) {
    notificationTemplate(id: $id) { id key channel currentVersion archived createdAt versions { version variables createdAt bodies { locale subject body } } }
  }
`);
const PreviewQuery = graphql(`
  query ConsolePreviewTemplate($input: PreviewTemplateInput!) {
    previewTemplate(input: $input) { preview { locale version subject body } userErrors { code message field } }
  }
`);

function TemplateDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const q = useQuery(TemplateQuery, { variables: { id } });
  const [locale, setLocale] = useState('es');
  const [values, setValues] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [preview, pq] = useLazyQuery(PreviewQuery, { fetchPolicy: 'no-cache' });
  return (
    <QueryView {...q} isEmpty={(d) => !d.notificationTemplate} empty={<EmptyState title={tc('notFound')} action={<Link to="/notifications">{tc('back')}</Link>} />}>
      {(d) => {
        const tpl = d.notificationTemplate!;
        const current = tpl.versions.find((v) => v.version === tpl.currentVersion) ?? tpl.versions[0];
        const sample = values ?? JSON.stringify(Object.fromEntries((current?.variables ?? []).map((v) => [v, v === 'name' ? 'Ana' : `<${v}>`])), null, 2);
        const rendered = pq.data?.previewTemplate;
        return (
          <>
            <PageHeader title={t('detailOf', { key: tpl.key })} subtitle={`${tpl.channel} · v${tpl.currentVersion}`} actions={<Link className="button secondary" to="/notifications">{tc('back')}</Link>} />
            <div className="grid-2">
              <Section title={t('preview')}>
                <form onSubmit={(e) => {
                  e.preventDefault();
                  let variables: unknown;
                  try { variables = JSON.parse(sample); setJsonError(null); } catch (err) { setJsonError((err as Error).message); return; }
                  void preview({ variables: { input: { templateKey: tpl.key, channel: tpl.channel, locale, variables } } });
                }}>
                  <Select label={t('previewLocale')} value={locale} onChange={(e) => setLocale(e.target.value)} options={(current?.bodies ?? []).map((b) => ({ value: b.locale, label: b.locale }))} />
                  <TextArea label={t('values')} value={sample} onChange={(e) => setValues(e.target.value)} rows={4} error={jsonError} />
                  <button type="submit" className="button primary">{t('render')}</button>
                </form>
                <UserErrors errors={rendered?.userErrors} />
                {rendered?.preview && (
                  <div className="preview" data-testid="preview" aria-live="polite">
                    {rendered.preview.subject && <p><strong>{rendered.preview.subject}</strong></p>}
                    {rendered.preview.body}
                  </div>
                )}
              </Section>
              <Section title={t('bodies')}>
                {current?.bodies.map((b) => <div key={b.locale}><h3>{b.locale}</h3>{b.subject && <p><strong>{b.subject}</strong></p>}<p className="preview">{b.body}</p></div>)}
              </Section>
            </div>
          </>
        );
      }}
    </QueryView>
  );
}

const RequestRowFragment = graphql(`
  fragment LogRow_NotificationRequest on NotificationRequest { id templateKey channel recipient status provider createdAt attempts { number } }
`);

function LogRow({ request: ref }: { request: FragmentType<typeof RequestRowFragment> }) {
  const r = getFragmentData(RequestRowFragment, ref);
  const f = useFormat();
  return <tr><td>{f.dateTime(r.createdAt)}</td><td><Link to={`/notifications/log/${r.id}`}>{r.templateKey}</Link></td><td>{r.channel}</td><td>{r.recipient}</td><td><Badge value={r.status} /></td><td>{r.provider ?? '—'}</td><td className="num">{r.attempts.length}</td></tr>;
}

const LogQuery = graphql(`
  query ConsoleDeliveryLog($filter: NotificationRequestFilter, $first: Int, $after: String) {
    notificationRequests(filter: $filter, first: $first, after: $after) { edges { node { id ...LogRow_NotificationRequest } } pageInfo { hasNextPage endCursor } }
  }
`);

function DeliveryLog() {
  const t = useT(m);
  const tc = useT(common);
  const [status, setStatus] = useSearchParam('status');
  const [channel, setChannel] = useSearchParam('channel');
  const filter = { ...((STATUSES as string[]).includes(status) && { status: status as NotificationStatus }), ...((CHANNELS as string[]).includes(channel) && { channel: channel as NotificationChannel }) };
  const pager = useCursorPager(JSON.stringify(filter));
  const q = useQuery(LogQuery, { variables: { filter, first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <div className="filters">
        <Select label={t('status')} value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: '', label: tc('any') }, ...STATUSES.map((s) => ({ value: s, label: s }))]} />
        <Select label={t('channel')} value={channel} onChange={(e) => setChannel(e.target.value)} options={[{ value: '', label: tc('any') }, ...CHANNELS.map((c) => ({ value: c, label: c }))]} />
      </div>
      <ConnectionList result={q} connection={(d) => d.notificationRequests} pager={pager} pagerLabel={t('pager')}
        columns={[t('created'), t('template'), t('channel'), t('recipient'), t('status'), t('provider'), { label: t('attempts'), numeric: true }]}
        empty={<EmptyState title={t('emptyLog')} hint={t('emptyLogHint')} />}
        row={(e) => <LogRow key={e.node.id} request={e.node} />} />
    </>
  );
}

const RequestQuery = graphql(`
  query ConsoleDelivery($id: ID!) {
    notificationRequest(id: $id) {
      id source templateKey templateVersion locale channel recipient status provider providerMessageId error createdAt sentAt deliveredAt failedAt
      attempts { number provider status providerMessageId error startedAt finishedAt }
    }
  }
`);

function RequestDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(RequestQuery, { variables: { id } });
  return (
    <QueryView {...q} isEmpty={(d) => !d.notificationRequest} empty={<EmptyState title={tc('notFound')} />}>
      {(d) => {
        const r = d.notificationRequest!;
        return (
          <>
            <PageHeader title={`${r.templateKey} → ${r.recipient}`} actions={<Link className="button secondary" to="/notifications/log">{tc('back')}</Link>} />
            <Section title={tc('details')}>
              <Details items={[[t('status'), <Badge value={r.status} />], [t('channel'), r.channel], [t('locale'), r.locale ?? '—'], [t('provider'), r.provider ?? '—'], [t('created'), f.dateTime(r.createdAt)], [t('error'), r.error ?? '—']]} />
            </Section>
            <Section title={t('attempts')}>
              <DataTable columns={['#', t('provider'), t('status'), t('started'), t('finished'), t('error')]}>
                {r.attempts.map((a) => <tr key={a.number}><td>{a.number}</td><td>{a.provider}</td><td><Badge value={a.status} /></td><td>{f.dateTime(a.startedAt)}</td><td>{f.dateTime(a.finishedAt)}</td><td>{a.error ?? '—'}</td></tr>)}
              </DataTable>
            </Section>
          </>
        );
      }}
    </QueryView>
  );
}

const MailboxQuery = graphql(`
  query ConsoleMailbox($recipient: String, $first: Int, $after: String) {
    localMailbox(recipient: $recipient, first: $first, after: $after) { edges { node { id channel recipient subject body createdAt } } pageInfo { hasNextPage endCursor } }
  }
`);

function Mailbox() {
  const t = useT(m);
  const f = useFormat();
  const [recipient, setRecipient] = useSearchParam('recipient');
  const pager = useCursorPager(recipient);
  const q = useQuery(MailboxQuery, { variables: { recipient: recipient || null, first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <div className="filters"><TextInput label={t('recipient')} value={recipient} onChange={(e) => setRecipient(e.target.value)} /></div>
      <ConnectionList result={q} connection={(d) => d.localMailbox} pager={pager} pagerLabel={t('pager')}
        columns={[t('created'), t('channel'), t('recipient'), t('subject'), t('body')]}
        empty={<EmptyState title={t('emptyMailbox')} hint={t('emptyMailboxHint')} />}
        row={({ node: msg }) => <tr key={msg.id}><td>{f.dateTime(msg.createdAt)}</td><td>{msg.channel}</td><td>{msg.recipient}</td><td>{msg.subject ?? '—'}</td><td>{msg.body}</td></tr>} />
    </>
  );
}

const ChannelsQuery = graphql(`
  query ConsoleChannels { channelConfigs { id channel provider priority settings hasCredentials enabled } }
`);

const SetChannel = graphql(`
  mutation ConsoleSetChannelConfig($input: SetChannelConfigInput!) { setChannelConfig(input: $input) { config { id } userErrors { code message field } } }
`);
const RemoveChannel = graphql(`
  mutation ConsoleRemoveChannelConfig($input: RemoveChannelConfigInput!) { removeChannelConfig(input: $input) { config { id } userErrors { code message field } } }
`);

/** Providers per channel (subgraphs/notifications/README.md); `local` is the built-in mailbox. */
const PROVIDERS: Record<NotificationChannel, string[]> = { EMAIL: ['local', 'smtp', 'ses'], SMS: ['local', 'twilio', 'sns'], WHATSAPP: ['local', 'whatsapp'], PUSH: ['local', 'fcm'], WEBHOOK: ['local', 'webhook'] };

const parseJsonObject = (text: string): Record<string, unknown> | null => {
  try {
    const v: unknown = JSON.parse(text || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
};

function Channels() {
  const t = useT(m);
  const tc = useT(common);
  const q = useQuery(ChannelsQuery);
  const refetch = { refetchQueries: ['ConsoleChannels'], awaitRefetchQueries: true };
  const [setConfig, sc] = useMutation(SetChannel, refetch);
  const [removeConfig] = useMutation(RemoveChannel, refetch);
  const [open, setOpen] = useState(false);
  const [channel, setChannel] = useState<NotificationChannel>('EMAIL');
  const [provider, setProvider] = useState('local');
  const [priority, setPriority] = useState(1);
  const [settings, setSettings] = useState('{}');
  const [credentials, setCredentials] = useState('');
  const { errors, setErrors, notice, done } = useMutationFeedback();
  return (
    <>
      <div className="filters"><button type="button" className="button primary" onClick={() => setOpen(true)}>{t('addChannel')}</button></div>
      {notice && <Notice>{notice}</Notice>}
      {!open && <UserErrors errors={errors} />}
      <QueryView {...q} isEmpty={(d) => !d.channelConfigs.length} empty={<EmptyState title={t('emptyChannels')} hint={t('emptyChannelsHint')} />}>
        {(d) => (
          <DataTable columns={[t('channel'), { label: t('priority'), numeric: true }, t('provider'), t('enabled'), t('credentials'), t('settings'), tc('actions')]}>
            {d.channelConfigs.map((c) => (
              <tr key={c.id}>
                <td>{c.channel}</td><td className="num">{c.priority}</td><td>{c.provider}</td><td>{c.enabled ? tc('yes') : tc('no')}</td><td>{c.hasCredentials ? tc('yes') : tc('no')}</td><td><code>{JSON.stringify(c.settings)}</code></td>
                <td><button type="button" className="button danger" aria-label={`${t('remove')} ${c.channel} ${c.provider}`} onClick={async () => done((await removeConfig({ variables: { input: { id: c.id } } })).data?.removeChannelConfig, t('removed'))}>{t('remove')}</button></td>
              </tr>
            ))}
          </DataTable>
        )}
      </QueryView>
      <Dialog open={open} title={t('addChannel')} onClose={() => setOpen(false)}>
        <form onSubmit={async (e) => {
          e.preventDefault();
          const parsedSettings = parseJsonObject(settings);
          const parsedCredentials = credentials.trim() ? parseJsonObject(credentials) : undefined;
          if (!parsedSettings || parsedCredentials === null) return setErrors([{ code: 'INVALID_JSON', message: t('jsonObject'), field: !parsedSettings ? 'settings' : 'credentials' }]);
          const r = await setConfig({ variables: { input: { channel, provider, priority, settings: parsedSettings, ...(parsedCredentials && { credentials: parsedCredentials }) } } });
          if (done(r.data?.setChannelConfig, t('channelSaved'))) { setOpen(false); setCredentials(''); }
        }}>
          <UserErrors errors={errors} />
          <div className="form-row">
            <Select label={t('channel')} value={channel} onChange={(e) => { const c = e.target.value as NotificationChannel; setChannel(c); setProvider(PROVIDERS[c][0]!); }} options={CHANNELS.map((c) => ({ value: c, label: c }))} />
            <Select label={t('provider')} value={provider} onChange={(e) => setProvider(e.target.value)} options={PROVIDERS[channel].map((p) => ({ value: p, label: p }))} />
            <TextInput label={t('priority')} type="number" min={1} value={priority} onChange={(e) => setPriority(Number(e.target.value))} required />
          </div>
          <TextArea label={t('settings')} value={settings} onChange={(e) => setSettings(e.target.value)} rows={3} hint={t('settingsHint')} />
          <TextArea label={t('credentialsInput')} value={credentials} onChange={(e) => setCredentials(e.target.value)} rows={3} hint={t('credentialsHint')} autoComplete="off" />
          <button type="submit" className="button primary" disabled={sc.loading}>{tc('save')}</button>
        </form>
      </Dialog>
    </>
  );
}
