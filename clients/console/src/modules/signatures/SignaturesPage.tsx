/**
 * Electronic signatures (sign subgraph): requests with status / title / external reference filters
 * and cursor pages; a request's detail with its signers' status, its documents (the original PDFs
 * and, once completed, the sealed PDF to download) and the hash-chained evidence trail with the
 * API's chain verification (`trailVerified`).
 */
import { useMemo } from 'react';
import { useLazyQuery, useQuery } from '@apollo/client/react';
import { graphql } from '../../__generated__';
import type { SignatureRequestStatus } from '../../__generated__/graphql';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link, useSearchParam } from '@imagy/web-kit/router';
import { useFormat } from '../../lib/tenant';
import { Badge, Details, PageHeader, Section, Select, TextInput, UserErrors } from '../../ui/common';
import { PAGE_SIZE, useCursorPager } from '../../ui/pager';
import { ConnectionList, DataTable } from '../../ui/list';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { common } from '@imagy/web-kit/messages';

const m = defineMessages({
  en: {
    title: 'Signatures', subtitle: 'Electronic signature requests, their signers and evidence.', status: 'Status', titleContains: 'Title contains', externalRef: 'External reference',
    reqTitle: 'Title', signers: 'Signers', created: 'Created', completed: 'Completed', expires: 'Expires', empty: 'No signature requests match', emptyHint: 'Requests appear when staff or the origination pipeline send documents to sign.',
    pager: 'Signature request pages', detailOf: 'Signature request: {title}', order: 'Order', name: 'Name', contact: 'Contact', role: 'Role', signedAt: 'Signed',
    documents: 'Documents', document: 'Document', size: 'Size', sha: 'SHA-256', sealed: 'Sealed', original: 'Original', download: 'Download {name}', sealedPdf: 'Sealed PDF',
    trail: 'Evidence trail', seq: '#', action: 'Action', ip: 'IP address', userAgent: 'User agent', at: 'At', prevHash: 'Previous hash', hash: 'Hash',
    verified: 'Chain verified: every entry matches its content and the previous hash.', notVerified: 'Chain broken: an entry does not match its content or the previous hash.',
    signingOrder: 'Signing order', strategy: 'Strategy', provider: 'Provider', bytes: '{n} bytes', noTrail: 'No trail entries.',
    DRAFT: 'Draft', SENT: 'Sent', PARTIALLY_SIGNED: 'Partially signed', COMPLETED: 'Completed', REJECTED: 'Rejected', CANCELLED: 'Cancelled', EXPIRED: 'Expired',
    WAITING: 'Waiting', INVITED: 'Invited', SIGNED: 'Signed',
  },
  es: {
    title: 'Firmas', subtitle: 'Solicitudes de firma electrónica, sus firmantes y su evidencia.', status: 'Estado', titleContains: 'El título contiene', externalRef: 'Referencia externa',
    reqTitle: 'Título', signers: 'Firmantes', created: 'Creada', completed: 'Completada', expires: 'Vence', empty: 'Ninguna solicitud de firma coincide', emptyHint: 'Las solicitudes aparecen cuando el personal o el flujo de originación envían documentos a firmar.',
    pager: 'Páginas de solicitudes de firma', detailOf: 'Solicitud de firma: {title}', order: 'Orden', name: 'Nombre', contact: 'Contacto', role: 'Rol', signedAt: 'Firmó',
    documents: 'Documentos', document: 'Documento', size: 'Tamaño', sha: 'SHA-256', sealed: 'Sellado', original: 'Original', download: 'Descargar {name}', sealedPdf: 'PDF sellado',
    trail: 'Rastro de evidencia', seq: 'N.º', action: 'Acción', ip: 'Dirección IP', userAgent: 'Navegador', at: 'Fecha', prevHash: 'Hash anterior', hash: 'Hash',
    verified: 'Cadena verificada: cada entrada coincide con su contenido y el hash anterior.', notVerified: 'Cadena rota: una entrada no coincide con su contenido o el hash anterior.',
    signingOrder: 'Orden de firma', strategy: 'Estrategia', provider: 'Proveedor', bytes: '{n} bytes', noTrail: 'Sin entradas.',
    DRAFT: 'Borrador', SENT: 'Enviada', PARTIALLY_SIGNED: 'Firmada en parte', COMPLETED: 'Completada', REJECTED: 'Rechazada', CANCELLED: 'Cancelada', EXPIRED: 'Vencida',
    WAITING: 'En espera', INVITED: 'Invitado', SIGNED: 'Firmó',
  },
});

const STATUSES: SignatureRequestStatus[] = ['DRAFT', 'SENT', 'PARTIALLY_SIGNED', 'COMPLETED', 'REJECTED', 'CANCELLED', 'EXPIRED'];

export default function SignaturesPage({ path }: { path: string[] }) {
  return path[0] ? <SignatureDetail id={path[0]} /> : <SignatureList />;
}

const SignaturesQuery = graphql(`
  query ConsoleSignatureRequests($filter: SignatureRequestFilter, $first: Int, $after: String) {
    signatureRequests(filter: $filter, first: $first, after: $after) {
      edges { node { id title status externalRef createdAt completedAt signers { id status } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

function SignatureList() {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const [status, setStatus] = useSearchParam('status');
  const [title, setTitle] = useSearchParam('title');
  const [ref, setRef] = useSearchParam('ref');
  const filter = useMemo(() => ({
    ...((STATUSES as string[]).includes(status) && { status: status as SignatureRequestStatus }),
    ...(title.trim() && { titleContains: title.trim() }),
    ...(ref.trim() && { externalRef: ref.trim() }),
  }), [status, title, ref]);
  const pager = useCursorPager(JSON.stringify(filter));
  const q = useQuery(SignaturesQuery, { variables: { filter, first: PAGE_SIZE, after: pager.after } });
  return (
    <>
      <PageHeader title={t('title')} subtitle={t('subtitle')} />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label={tc('filter')}>
        <Select label={t('status')} value={status} onChange={(e) => setStatus(e.target.value)} options={[{ value: '', label: tc('any') }, ...STATUSES.map((s) => ({ value: s, label: t(s) }))]} />
        <TextInput label={t('titleContains')} value={title} onChange={(e) => setTitle(e.target.value)} />
        <TextInput label={t('externalRef')} value={ref} onChange={(e) => setRef(e.target.value)} />
      </form>
      <ConnectionList result={q} connection={(d) => d.signatureRequests} pager={pager} pagerLabel={t('pager')} caption={t('title')}
        columns={[t('reqTitle'), t('status'), t('signers'), t('externalRef'), t('created'), t('completed')]}
        empty={<EmptyState title={t('empty')} hint={t('emptyHint')} />}
        row={(e) => (
          <tr key={e.node.id}>
            <td><Link to={`/signatures/${e.node.id}`}>{e.node.title}</Link></td>
            <td><Badge value={e.node.status} label={t(e.node.status)} /></td>
            <td className="num">{e.node.signers.filter((s) => s.status === 'SIGNED').length}/{e.node.signers.length}</td>
            <td>{e.node.externalRef ?? '—'}</td>
            <td>{f.dateTime(e.node.createdAt)}</td>
            <td>{e.node.completedAt ? f.dateTime(e.node.completedAt) : '—'}</td>
          </tr>
        )} />
    </>
  );
}

const SignatureQuery = graphql(`
  query ConsoleSignatureRequest($id: ID!) {
    signatureRequest(id: $id) {
      id title status signingOrder strategy provider externalRef expiresAt createdAt completedAt
      signers { id name email phone role order status signedAt }
      documents { id name sha256 sizeBytes sealed }
      sealedDocument { id name sha256 sizeBytes sealed }
      trail { seq action signerId ip userAgent at prevHash hash }
      trailVerified
    }
  }
`);

const DocumentContent = graphql(`
  query ConsoleSignatureDocumentContent($id: ID!) {
    signatureRequest(id: $id) { id documents { id contentBase64 } sealedDocument { id contentBase64 } }
  }
`);

/** Saves base64 PDF bytes as a file (a blob: URL clicked as a download; nothing leaves the page). */
function savePdf(name: string, base64: string) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name.toLowerCase().endsWith('.pdf') ? name : `${name}.pdf`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function SignatureDetail({ id }: { id: string }) {
  const t = useT(m);
  const tc = useT(common);
  const f = useFormat();
  const q = useQuery(SignatureQuery, { variables: { id } });
  const [load, content] = useLazyQuery(DocumentContent, { fetchPolicy: 'no-cache' });
  const download = async (docId: string, name: string) => {
    const r = await load({ variables: { id } });
    const req = r.data?.signatureRequest;
    const doc = req?.sealedDocument?.id === docId ? req.sealedDocument : req?.documents.find((d) => d.id === docId);
    if (doc) savePdf(name, doc.contentBase64);
  };
  return (
    <QueryView {...q} isEmpty={(d) => !d.signatureRequest} empty={<EmptyState title={tc('notFound')} action={<Link to="/signatures">{tc('back')}</Link>} />}>
      {(d) => {
        const r = d.signatureRequest!;
        const docs = [...(r.sealedDocument ? [{ ...r.sealedDocument, label: t('sealedPdf') }] : []), ...r.documents.filter((x) => x.id !== r.sealedDocument?.id).map((x) => ({ ...x, label: x.sealed ? t('sealed') : t('original') }))];
        return (
          <>
            <PageHeader title={t('detailOf', { title: r.title })} subtitle={r.externalRef ?? undefined} actions={<Link className="button secondary" to="/signatures">{tc('back')}</Link>} />
            {content.error && <UserErrors errors={[{ code: 'ERROR', message: content.error.message }]} />}
            <Section title={tc('details')}>
              <Details items={[
                [t('status'), <Badge value={r.status} label={t(r.status)} />], [t('signingOrder'), r.signingOrder], [t('strategy'), r.strategy], [t('provider'), r.provider],
                [t('created'), f.dateTime(r.createdAt)], [t('expires'), f.dateTime(r.expiresAt)], [t('completed'), r.completedAt ? f.dateTime(r.completedAt) : '—'],
              ]} />
            </Section>
            <Section title={t('signers')}>
              <DataTable caption={t('signers')} columns={[t('order'), t('name'), t('contact'), t('role'), t('status'), t('signedAt')]}>
                {r.signers.map((s) => (
                  <tr key={s.id}><td className="num">{s.order}</td><td>{s.name}</td><td>{[s.email, s.phone].filter(Boolean).join(' · ')}</td><td>{s.role}</td>
                    <td><Badge value={s.status === 'SIGNED' ? 'COMPLETED' : s.status} label={t(s.status)} /></td><td>{s.signedAt ? f.dateTime(s.signedAt) : '—'}</td></tr>
                ))}
              </DataTable>
            </Section>
            <Section title={t('documents')}>
              <DataTable caption={t('documents')} columns={[t('document'), t('sealed'), { label: t('size'), numeric: true }, t('sha'), tc('actions')]}>
                {docs.map((x) => (
                  <tr key={`${x.label}-${x.id}`}><td>{x.name}</td><td>{x.label}</td><td className="num">{t('bytes', { n: f.number(x.sizeBytes) })}</td><td><code className="hash">{x.sha256}</code></td>
                    <td><button type="button" className="button secondary" disabled={content.loading} onClick={() => void download(x.id, x.name)}>{t('download', { name: x.name })}</button></td></tr>
                ))}
              </DataTable>
            </Section>
            <Section title={t('trail')}>
              <p role="status" className={`alert ${r.trailVerified ? 'alert-ok' : 'alert-error'}`}>{r.trailVerified ? t('verified') : t('notVerified')}</p>
              {!r.trail.length ? <EmptyState title={t('noTrail')} /> : (
                <DataTable caption={t('trail')} columns={[t('seq'), t('action'), t('at'), t('ip'), t('userAgent'), t('prevHash'), t('hash')]}>
                  {r.trail.map((e) => (
                    <tr key={e.seq}><td className="num">{e.seq}</td><td>{e.action}</td><td>{f.dateTime(e.at)}</td><td>{e.ip ?? '—'}</td><td><small>{e.userAgent ?? '—'}</small></td>
                      <td><code className="hash">{e.prevHash.slice(0, 16)}…</code></td><td><code className="hash" title={e.hash}>{e.hash.slice(0, 16)}…</code></td></tr>
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
