import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link } from '@imagy/web-kit/router';

const messages = defineMessages({
  en: { title: 'Page not found', back: 'Go to the home page' },
  es: { title: 'Página no encontrada', back: 'Ir al inicio' },
});

export default function NotFound() {
  const t = useT(messages);
  return (
    <section className="narrow">
      <h1>{t('title')}</h1>
      <p><Link to="/">{t('back')}</Link></p>
    </section>
  );
}
