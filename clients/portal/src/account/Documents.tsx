/**
 * Signatures and documents (seed 5.22): the consents and contracts lending recorded (`me.documents`)
 * and the signature requests the borrower signs (`me.signatureRequests`), with the sealed PDF
 * downloaded on demand (its base64 is fetched only when asked for).
 */
import { useApolloClient, useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { useFormat } from '../lib/tenant';
import { downloadBase64 } from '../ui/fields';

const DocumentsQuery = graphql(`
  query PortalAccountDocuments {
    me {
      id
      documents { kind applicationId stepKey title version sha256 issuedAt contractStatus signatureRequestId signedDocumentSha256 decidedAt }
      signatureRequests(first: 20) { id title status createdAt completedAt sealedDocument { id name sha256 sizeBytes } }
    }
  }
`);

const SealedQuery = graphql(`
  query PortalSealedDocument($id: ID!) { signatureRequest(id: $id) { id sealedDocument { id name contentBase64 } } }
`);

const messages = defineMessages({
  en: {
    signatures: 'Signatures', documents: 'Documents', none: 'Nothing here yet.', download: 'Download the signed PDF ({kb} KB)', completed: 'Signed on {date}', created: 'Sent on {date}',
    LEGAL_CONSENT: 'Accepted terms', CONTRACT: 'Contract', version: 'version {v}', accepted: 'Accepted on {date}', issued: 'Issued on {date}', hash: 'SHA-256 {hash}',
    AWAITING_SIGNATURE: 'Awaiting signature', SIGNED: 'Signed', REJECTED: 'Rejected', VOID: 'Void', SENT: 'To sign', PARTIALLY_SIGNED: 'Partially signed', COMPLETED: 'Completed', CANCELLED: 'Cancelled', EXPIRED: 'Expired', DRAFT: 'Draft',
  },
  es: {
    signatures: 'Firmas', documents: 'Documentos', none: 'Todavía no hay nada aquí.', download: 'Descargar el PDF firmado ({kb} KB)', completed: 'Firmado el {date}', created: 'Enviado el {date}',
    LEGAL_CONSENT: 'Términos aceptados', CONTRACT: 'Contrato', version: 'versión {v}', accepted: 'Aceptado el {date}', issued: 'Emitido el {date}', hash: 'SHA-256 {hash}',
    AWAITING_SIGNATURE: 'Por firmar', SIGNED: 'Firmado', REJECTED: 'Rechazado', VOID: 'Anulado', SENT: 'Por firmar', PARTIALLY_SIGNED: 'Firmado en parte', COMPLETED: 'Completado', CANCELLED: 'Cancelado', EXPIRED: 'Vencido', DRAFT: 'Borrador',
  },
});

export function Documents() {
  const t = useT(messages);
  const f = useFormat();
  const client = useApolloClient();
  const { data, loading, error, refetch } = useQuery(DocumentsQuery, { fetchPolicy: 'cache-and-network' });
  const download = async (id: string) => {
    const { data: d } = await client.query({ query: SealedQuery, variables: { id }, fetchPolicy: 'network-only' });
    const doc = d?.signatureRequest?.sealedDocument;
    if (doc) downloadBase64(doc.contentBase64, doc.name);
  };
  return (
    <QueryView data={data?.me ?? undefined} loading={loading} error={error} refetch={refetch}>
      {(me) => (
        <>
          <section aria-labelledby="signatures-title">
            <h2 id="signatures-title">{t('signatures')}</h2>
            {me.signatureRequests.length === 0 ? <EmptyState title={t('none')} /> : (
              <ul className="cards">
                {me.signatureRequests.map((r) => (
                  <li key={r.id} className="card">
                    <h3>{r.title} <span className={`badge badge-${r.status.toLowerCase()}`}>{t(r.status)}</span></h3>
                    <p>{r.completedAt ? t('completed', { date: f.dateTime(r.completedAt) }) : t('created', { date: f.dateTime(r.createdAt) })}</p>
                    {r.sealedDocument && (
                      <>
                        <button type="button" className="button" onClick={() => void download(r.id)}>{t('download', { kb: Math.ceil(r.sealedDocument.sizeBytes / 1024) })}</button>
                        <p className="hint"><code className="hash">{t('hash', { hash: r.sealedDocument.sha256 })}</code></p>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="documents-title">
            <h2 id="documents-title">{t('documents')}</h2>
            {me.documents.length === 0 ? <EmptyState title={t('none')} /> : (
              <ul className="cards">
                {me.documents.map((d) => (
                  <li key={`${d.applicationId}-${d.stepKey}-${d.title}`} className="card">
                    <h3>{t(d.kind)}: {d.title}{d.version ? ` (${t('version', { v: d.version })})` : ''} {d.contractStatus && <span className={`badge badge-${d.contractStatus.toLowerCase()}`}>{t(d.contractStatus)}</span>}</h3>
                    <p>{d.kind === 'LEGAL_CONSENT' ? t('accepted', { date: f.dateTime(d.issuedAt) }) : t('issued', { date: f.dateTime(d.issuedAt) })}</p>
                    <p className="hint"><code className="hash">{t('hash', { hash: d.sha256 })}</code></p>
                  </li>
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </QueryView>
  );
}
