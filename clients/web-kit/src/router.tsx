/**
 * A small router over the History API under the console's base (/console/): the first path segment
 * picks the module, the rest is the module's own (`path` prop: e.g. ['abc'] for a detail page).
 * Query-string state (filters) lives in `useSearchParam`.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type AnchorHTMLAttributes, type MouseEvent, type ReactNode } from 'react';

const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

interface Location { segments: string[]; search: URLSearchParams }
interface RouterState extends Location { navigate(to: string, options?: { replace?: boolean }): void }
const RouterContext = createContext<RouterState | null>(null);

function read(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : window.location.pathname;
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), search: new URLSearchParams(window.location.search) };
}

export const href = (to: string) => `${BASE}${to.startsWith('/') ? to : `/${to}`}`;

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const onPop = () => setLocation(read());
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((to: string, options?: { replace?: boolean }) => {
    window.history[options?.replace ? 'replaceState' : 'pushState'](null, '', href(to));
    setLocation(read());
    window.scrollTo(0, 0);
  }, []);
  const value = useMemo(() => ({ ...location, navigate }), [location, navigate]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterState {
  const state = useContext(RouterContext);
  if (!state) throw new Error('useRouter outside RouterProvider');
  return state;
}

/** One query-string parameter as state (filters survive a reload and can be shared). */
export function useSearchParam(name: string): [string, (value: string) => void] {
  const { search, segments, navigate } = useRouter();
  const value = search.get(name) ?? '';
  const set = useCallback((next: string) => {
    const params = new URLSearchParams(window.location.search);
    if (next) params.set(name, next); else params.delete(name);
    const qs = params.toString();
    navigate(`/${segments.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`, { replace: true });
  }, [name, segments, navigate]);
  return [value, set];
}

export function Link({ to, children, ...rest }: { to: string } & Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'>) {
  const { navigate } = useRouter();
  const onClick = (e: MouseEvent<HTMLAnchorElement>) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={href(to)} onClick={onClick} {...rest}>{children}</a>;
}
