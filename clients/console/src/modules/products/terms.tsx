/** A version's terms: the table, the diff of a draft against the published version, and the edit form. */
import { useState, type FormEvent } from 'react';
import { graphql, getFragmentData, type FragmentType } from '../../__generated__';
import type { ProductTermsInput, RepaymentFrequency, InterestMethod, TermsTable_ProductTermsFragment } from '../../__generated__/graphql';
import { useT } from '@imagy/web-kit/i18n';
import { useFormat, type Format } from '../../lib/tenant';
import { Select, TextInput } from '../../ui/common';
import { m } from './messages';

export const TermsFragment = graphql(`
  fragment TermsTable_ProductTerms on ProductTerms {
    currency minAmount maxAmount minTerm maxTerm frequency interestMethod annualNominalRate dayCount
    graceOnPrincipal graceOnInterest installmentMultipleOf interestTaxRate defaultThresholdDays maxDaysToFirstDue
    allocationOrder prepaymentRule
    fees { code kind value charge taxRate }
    latePenalty { kind rate graceDays }
    delinquencyBuckets { name minDays maxDays }
  }
`);

export type Terms = TermsTable_ProductTermsFragment;
export const useTerms = (ref: FragmentType<typeof TermsFragment> | null | undefined) => (ref ? getFragmentData(TermsFragment, ref) : null);

type Key = 'minAmount' | 'maxAmount' | 'minTerm' | 'maxTerm' | 'frequency' | 'interestMethod' | 'rate';
function rows(terms: Terms, f: Format, t: (k: keyof typeof m.en) => string): [Key, string][] {
  return [
    ['minAmount', f.money(terms.minAmount, terms.currency)],
    ['maxAmount', f.money(terms.maxAmount, terms.currency)],
    ['minTerm', String(terms.minTerm)],
    ['maxTerm', String(terms.maxTerm)],
    ['frequency', t(terms.frequency)],
    ['interestMethod', t(terms.interestMethod)],
    ['rate', f.percent(terms.annualNominalRate)],
  ];
}

export function TermsTable({ terms: ref }: { terms: FragmentType<typeof TermsFragment> }) {
  const terms = getFragmentData(TermsFragment, ref);
  const t = useT(m);
  const f = useFormat();
  return (
    <dl className="details">
      {rows(terms, f, t).map(([k, v]) => <div key={k}><dt>{t(k)}</dt><dd>{v}</dd></div>)}
    </dl>
  );
}

/** Draft against published: every term, the changed ones highlighted. */
export function TermsDiff({ draft: draftRef, published: publishedRef }: { draft: FragmentType<typeof TermsFragment>; published: FragmentType<typeof TermsFragment> | null | undefined }) {
  const t = useT(m);
  const f = useFormat();
  const draft = getFragmentData(TermsFragment, draftRef);
  const published = publishedRef ? getFragmentData(TermsFragment, publishedRef) : null;
  const after = rows(draft, f, t);
  const before = published ? new Map(rows(published, f, t)) : null;
  return (
    <>
      {!published && <p>{t('noPublished')}</p>}
      <div className="table-wrap">
        <table>
          <caption>{t('diffTitle')}</caption>
          <thead><tr><th scope="col">{t('field')}</th><th scope="col">{t('before')}</th><th scope="col">{t('after')}</th></tr></thead>
          <tbody>
            {after.map(([k, v]) => {
              const old = before?.get(k);
              const changed = old !== v;
              return (
                <tr key={k} className={changed ? 'diff-changed' : undefined} data-changed={changed ? 'true' : undefined}>
                  <th scope="row">{t(k)}</th><td>{old ?? '—'}</td><td>{v}{!changed && <span className="visually-hidden"> ({t('unchanged')})</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The input for createCreditProduct / updateDraftVersion: the edited core terms, the rest carried over. */
export function termsInput(core: CoreTerms, base: Terms | null): ProductTermsInput {
  return {
    ...core,
    ...(base && {
      dayCount: base.dayCount,
      graceOnPrincipal: base.graceOnPrincipal,
      graceOnInterest: base.graceOnInterest,
      installmentMultipleOf: base.installmentMultipleOf,
      interestTaxRate: base.interestTaxRate,
      defaultThresholdDays: base.defaultThresholdDays,
      maxDaysToFirstDue: base.maxDaysToFirstDue,
      allocationOrder: base.allocationOrder,
      prepaymentRule: base.prepaymentRule,
      fees: base.fees.map(({ code, kind, value, charge, taxRate }) => ({ code, kind, value, charge, taxRate })),
      latePenalty: { kind: base.latePenalty.kind, rate: base.latePenalty.rate, graceDays: base.latePenalty.graceDays },
      delinquencyBuckets: base.delinquencyBuckets.map(({ name, minDays, maxDays }) => ({ name, minDays, maxDays })),
    }),
  };
}

export interface CoreTerms {
  minAmount: string; maxAmount: string; minTerm: number; maxTerm: number;
  frequency: RepaymentFrequency; interestMethod: InterestMethod; annualNominalRate: string;
}

export const DEFAULT_TERMS: CoreTerms = { minAmount: '500.00', maxAmount: '10000.00', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '24' };

export const coreOf = (terms: Terms): CoreTerms => ({
  minAmount: terms.minAmount, maxAmount: terms.maxAmount, minTerm: terms.minTerm, maxTerm: terms.maxTerm,
  frequency: terms.frequency, interestMethod: terms.interestMethod, annualNominalRate: terms.annualNominalRate,
});

const FREQUENCIES: RepaymentFrequency[] = ['MONTHLY', 'BIWEEKLY', 'WEEKLY'];
const METHODS: InterestMethod[] = ['DECLINING_EQUAL_INSTALLMENTS', 'DECLINING_EQUAL_PRINCIPAL', 'FLAT'];

/** The core terms' fields; `errorOf(field)` gives the API's userError for `terms.<field>`. */
export function TermsFields({ value, onChange, errorOf }: { value: CoreTerms; onChange(v: CoreTerms): void; errorOf(field: string): string | null }) {
  const t = useT(m);
  const set = <K extends keyof CoreTerms>(k: K, v: CoreTerms[K]) => onChange({ ...value, [k]: v });
  return (
    <>
      <div className="form-row">
        <TextInput label={t('minAmount')} name="minAmount" inputMode="decimal" value={value.minAmount} onChange={(e) => set('minAmount', e.target.value)} error={errorOf('minAmount')} required />
        <TextInput label={t('maxAmount')} name="maxAmount" inputMode="decimal" value={value.maxAmount} onChange={(e) => set('maxAmount', e.target.value)} error={errorOf('maxAmount')} required />
        <TextInput label={t('minTerm')} name="minTerm" type="number" min={1} value={value.minTerm} onChange={(e) => set('minTerm', Number(e.target.value))} error={errorOf('minTerm')} required />
        <TextInput label={t('maxTerm')} name="maxTerm" type="number" min={1} value={value.maxTerm} onChange={(e) => set('maxTerm', Number(e.target.value))} error={errorOf('maxTerm')} required />
      </div>
      <div className="form-row">
        <Select label={t('frequency')} name="frequency" value={value.frequency} onChange={(e) => set('frequency', e.target.value as RepaymentFrequency)} options={FREQUENCIES.map((v) => ({ value: v, label: t(v) }))} />
        <Select label={t('interestMethod')} name="interestMethod" value={value.interestMethod} onChange={(e) => set('interestMethod', e.target.value as InterestMethod)} options={METHODS.map((v) => ({ value: v, label: t(v) }))} />
        <TextInput label={t('rate')} name="annualNominalRate" inputMode="decimal" value={value.annualNominalRate} onChange={(e) => set('annualNominalRate', e.target.value)} error={errorOf('annualNominalRate')} required />
      </div>
    </>
  );
}

/** userErrors by field, for the form (the API names `terms.minAmount`, `input.terms.minAmount`, `code`...). */
export function useFieldErrors() {
  const [errors, setErrors] = useState<readonly { code: string; message: string; field?: string | null }[]>([]);
  const errorOf = (field: string) => errors.find((e) => e.field === field || e.field?.endsWith(`.${field}`))?.message ?? null;
  return { errors, setErrors, errorOf };
}

export type SubmitEvent = FormEvent<HTMLFormElement>;
