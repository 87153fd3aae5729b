/** The notifications sent to the borrower (seed 5.24): `me.notifications`, newest first; recipients masked by notifications. */
import { useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { EmptyState, QueryView } from '@imagy/web-kit/states';
import { graphql } from '../__generated__';
import { useFormat } from '../lib/tenant';

const NotificationsQuery = graphql(`
  query PortalAccountNotifications {
    me { id notifications(first: 30) { edges { node { id channel templateKey recipient status createdAt sentAt } } } }
  }
`);

const messages = defineMessages({
  en: { none: 'No notifications yet.', title: 'Notifications', to: 'To {recipient}', EMAIL: 'E-mail', SMS: 'SMS', WHATSAPP: 'WhatsApp', PUSH: 'Push', WEBHOOK: 'Webhook', QUEUED: 'Queued', SENT: 'Sent', DELIVERED: 'Delivered', FAILED: 'Failed', CANCELLED: 'Cancelled' },
  es: { none: 'Todavía no hay notificaciones.', title: 'Notificaciones', to: 'A {recipient}', EMAIL: 'Correo', SMS: 'SMS', WHATSAPP: 'WhatsApp', PUSH: 'Push', WEBHOOK: 'Webhook', QUEUED: 'En cola', SENT: 'Enviada', DELIVERED: 'Entregada', FAILED: 'Fallida', CANCELLED: 'Cancelada' },
});

export function Notifications() {
  const t = useT(messages);
  const f = useFormat();
  const { data, loading, error, refetch } = useQuery(NotificationsQuery, { fetchPolicy: 'cache-and-network' });
  const label = (k: string) => (k in messages.en ? t(k as keyof typeof messages.en) : k);
  return (
    <QueryView data={data?.me ?? undefined} loading={loading} error={error} refetch={refetch}>
      {(me) => (
        <section aria-labelledby="notifications-title">
          <h2 id="notifications-title">{t('title')}</h2>
          {me.notifications.edges.length === 0 ? <EmptyState title={t('none')} /> : (
            <ul className="cards">
              {me.notifications.edges.map(({ node: n }) => (
                <li key={n.id} className="card">
                  <h3>{n.templateKey}</h3>
                  <p>{label(n.channel)} · {t('to', { recipient: n.recipient })} · {label(n.status)}</p>
                  <p className="hint">{f.dateTime(n.sentAt ?? n.createdAt)}</p>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </QueryView>
  );
}
