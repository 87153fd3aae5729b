/**
 * UI language: the user's (their choice, else the browser's), Spanish or English. Texts live
 * beside the code that shows them: `defineMessages({ en: {...}, es: {...} })`, where the Spanish
 * block must have exactly the English keys (checked by TypeScript), and `useT(messages)` gives
 * `t(key, params)`. `{name}` in a text is replaced by `params.name`. Each client keeps the choice
 * under its own storage key (`LocaleProvider storageKey`).
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export type Locale = 'es' | 'en';
export const LOCALES: readonly Locale[] = ['es', 'en'];
const DEFAULT_STORAGE_KEY = 'imagy.console.locale';

export type Messages<K extends string> = { en: Record<K, string>; es: Record<K, string> };
export function defineMessages<K extends string>(messages: { en: Record<K, string>; es: Record<NoInfer<K>, string> }): Messages<K> {
  return messages;
}

export function browserLocale(storageKey = DEFAULT_STORAGE_KEY): Locale {
  const stored = typeof localStorage !== 'undefined' ? localStorage.getItem(storageKey) : null;
  if (stored === 'es' || stored === 'en') return stored;
  const preferred = typeof navigator !== 'undefined' ? navigator.languages ?? [navigator.language] : [];
  for (const tag of preferred) {
    const lang = tag.toLowerCase().split('-')[0];
    if (lang === 'es' || lang === 'en') return lang;
  }
  return 'es';
}

interface LocaleState { locale: Locale; setLocale(locale: Locale): void }
const LocaleContext = createContext<LocaleState>({ locale: 'es', setLocale: () => {} });

export function LocaleProvider({ children, storageKey = DEFAULT_STORAGE_KEY }: { children: ReactNode; storageKey?: string }) {
  const [locale, set] = useState<Locale>(() => browserLocale(storageKey));
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(storageKey, next);
    document.documentElement.lang = next;
    set(next);
  }, [storageKey]);
  document.documentElement.lang = locale;
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export const useLocale = () => useContext(LocaleContext);

export function translate(text: string, params?: Record<string, string | number>): string {
  return params ? text.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : text;
}

export function useT<K extends string>(messages: Messages<K>) {
  const { locale } = useLocale();
  return useCallback((key: K, params?: Record<string, string | number>) => translate(messages[locale][key], params), [messages, locale]);
}
