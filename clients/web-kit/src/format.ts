/**
 * Money and dates with Intl for a tenant's locale, currency and time zone, whatever the UI language
 * is. Amounts are GraphQL Decimal strings: formatted exactly (no float on the way).
 */
export interface FormatTenant { defaultLocale?: string | null; currency?: string | null; timezone?: string | null }

export interface Format {
  /** A Decimal string in its currency, formatted exactly (Intl formats decimal strings without floats). */
  money(amount: string | null | undefined, currency?: string | null): string;
  number(value: number | string): string;
  percent(rate: string): string;
  date(value: string | null | undefined): string;
  dateTime(value: string | null | undefined): string;
}

/** Intl tags for the tenant's two-letter locale: Latin American Spanish formats (es-419). */
export const intlLocale = (locale: string | null | undefined) => (locale === 'en' ? 'en-US' : 'es-419');

export function makeFormat(tenant: FormatTenant | null | undefined): Format {
  const locale = intlLocale(tenant?.defaultLocale);
  const timeZone = tenant?.timezone ?? undefined;
  const money = new Map<string, Intl.NumberFormat>();
  const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
  const moneyFormat = (currency: string) => {
    let f = money.get(currency);
    if (!f) money.set(currency, (f = new Intl.NumberFormat(locale, { style: 'currency', currency })));
    return f;
  };
  // Intl.NumberFormat#format takes a decimal string (ES2023 Intl.NumberFormat v3): no float rounding.
  const exact = (f: Intl.NumberFormat, v: string) => f.format(v as unknown as number);
  return {
    money: (amount, currency) => (amount == null ? '—' : exact(moneyFormat(currency ?? tenant?.currency ?? 'USD'), amount)),
    number: (value) => exact(numberFormat, String(value)),
    percent: (rate) => `${exact(numberFormat, rate)} %`,
    // A GraphQL Date is a calendar day: formatted in UTC so that it never moves a day.
    date: (value) => (value ? dateFormat.format(new Date(value.length === 10 ? `${value}T00:00:00Z` : value)) : '—'),
    dateTime: (value) => (value ? dateTimeFormat.format(new Date(value)) : '—'),
  };
}
