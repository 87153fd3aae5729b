/** Standalone flow execution (seed 5.18): a flow's public steps by its access token, on any host. */
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { FlowRunner } from '../journey/FlowRunner';

const messages = defineMessages({ en: { title: 'Verification' }, es: { title: 'Verificación' } });

export default function FlowPage({ token }: { token: string }) {
  const t = useT(messages);
  return (
    <section className="narrow card">
      <h1>{t('title')}</h1>
      <FlowRunner token={token} />
    </section>
  );
}
