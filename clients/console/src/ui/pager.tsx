/**
 * Cursor pagination over a Relay connection: `after` for the page shown, a stack of the cursors
 * before it for "Previous". Resets when the filters change (`resetKey`).
 */
import { useEffect, useState } from 'react';
import { useT } from '@imagy/web-kit/i18n';
import { common } from '@imagy/web-kit/messages';

export const PAGE_SIZE = 20;

export function useCursorPager(resetKey = '') {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  useEffect(() => { setStack([null]); }, [resetKey]);
  const after = stack[stack.length - 1] ?? null;
  return {
    after,
    page: stack.length,
    next: (endCursor: string | null | undefined) => endCursor && setStack((s) => [...s, endCursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
  };
}

export function Pager({ pager, pageInfo, label }: {
  pager: ReturnType<typeof useCursorPager>;
  pageInfo: { hasNextPage: boolean; endCursor?: string | null } | undefined;
  label: string;
}) {
  const t = useT(common);
  if (!pageInfo || (pager.page === 1 && !pageInfo.hasNextPage)) return null;
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" className="button secondary" onClick={pager.previous} disabled={pager.page === 1}>{t('previous')}</button>
      <span aria-live="polite">{t('page', { n: pager.page })}</span>
      <button type="button" className="button secondary" onClick={() => pager.next(pageInfo.endCursor)} disabled={!pageInfo.hasNextPage}>{t('next')}</button>
    </nav>
  );
}
