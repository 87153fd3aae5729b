/**
 * A product's landing (seed 5.13), rendered from the LANDING step of its published pipeline
 * (`originationLanding`: title, text and image blocks, legal footer, the documents the applicant
 * will accept), with the simulator; "apply" carries the simulated amount and term on.
 */
import { useCallback, useState } from 'react';
import { useQuery } from '@apollo/client/react';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Link } from '@imagy/web-kit/router';
import { QueryView } from '@imagy/web-kit/states';
import { LandingQuery } from './landing-query';
import { currentHost, useFormat } from '../lib/tenant';
import { Simulator } from './Simulator';

const messages = defineMessages({
  en: { apply: 'Apply for {amount} in {term} installments', applyShort: 'Apply now', notFound: 'This product is not available.', back: 'See the products', documents: 'You will be asked to accept: {list}.' },
  es: { apply: 'Solicitar {amount} en {term} cuotas', applyShort: 'Solicitar ahora', notFound: 'Este producto no está disponible.', back: 'Ver los productos', documents: 'Se le pedirá aceptar: {list}.' },
});

interface Block { kind?: unknown; text?: unknown; url?: unknown; alt?: unknown }

export function LandingBlocks({ blocks }: { blocks: unknown }) {
  const list = Array.isArray(blocks) ? (blocks as Block[]) : [];
  return (
    <>
      {list.map((b, i) => {
        if (b.kind === 'IMAGE' && typeof b.url === 'string' && b.url.startsWith('https://')) return <img key={i} className="landing-image" src={b.url} alt={typeof b.alt === 'string' ? b.alt : ''} />;
        if (typeof b.text === 'string') return b.text.split(/\n{2,}/).map((p, j) => <p key={`${i}-${j}`} className="landing-text">{p}</p>);
        return null;
      })}
    </>
  );
}

export default function ProductLanding({ code }: { code: string }) {
  const t = useT(messages);
  const f = useFormat();
  const { data, loading, error, refetch } = useQuery(LandingQuery, { variables: { productCode: code, host: currentHost() }, fetchPolicy: 'cache-first' });
  const [choice, setChoice] = useState<{ amount: string; term: number } | null>(null);
  const onChange = useCallback((amount: string, term: number) => setChoice({ amount, term }), []);
  return (
    <QueryView data={data} loading={loading} error={error} refetch={refetch}>
      {(d) => {
        const l = d.originationLanding;
        if (!l) return <section className="narrow"><h1>{t('notFound')}</h1><p><Link to="/">{t('back')}</Link></p></section>;
        const to = `/solicitar/${encodeURIComponent(l.productCode)}${choice ? `?amount=${encodeURIComponent(choice.amount)}&term=${choice.term}` : ''}`;
        return (
          <div className="landing">
            <section className="hero">
              <p className="eyebrow">{l.productName}</p>
              <h1>{l.title}</h1>
              <LandingBlocks blocks={l.blocks} />
            </section>
            <Simulator product={l} onChange={onChange} />
            <p className="cta"><Link to={to} className="button primary large">{choice ? t('apply', { amount: f.money(choice.amount, l.currency), term: choice.term }) : t('applyShort')}</Link></p>
            {l.legalDocuments.length > 0 && <p className="hint">{t('documents', { list: l.legalDocuments.map((doc) => doc.title).join(', ') })}</p>}
            {l.legalFooter && <p className="legal">{l.legalFooter}</p>}
          </div>
        );
      }}
    </QueryView>
  );
}
