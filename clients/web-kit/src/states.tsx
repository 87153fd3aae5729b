/**
 * The designed states of every data view: loading (a skeleton with a live status text), error (what
 * happened, in the user's language, with a retry), forbidden, and empty (what is missing and what to
 * do about it). `QueryView` picks one from a query's result.
 */
import type { ReactNode } from 'react';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { useT } from './i18n';
import { common } from './messages';

export function Loading({ rows = 3 }: { rows?: number }) {
  const t = useT(common);
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="visually-hidden">{t('loading')}</span>
      {Array.from({ length: rows }, (_, i) => <div key={i} className="skeleton" aria-hidden="true" />)}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT(common);
  const forbidden = CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'FORBIDDEN');
  const detail = CombinedGraphQLErrors.is(error) ? error.errors.map((e) => e.message).join(' ') : null;
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">{forbidden ? t('forbidden') : t('errorTitle')}</p>
      {!forbidden && <p>{detail ?? t('errorHint')}</p>}
      {onRetry && !forbidden && <button type="button" className="button" onClick={onRetry}>{t('retry')}</button>}
    </div>
  );
}

export function EmptyState({ title, hint, action }: { title?: string; hint?: string; action?: ReactNode }) {
  const t = useT(common);
  return (
    <div className="state state-empty">
      <p className="state-title">{title ?? t('emptyTitle')}</p>
      {hint && <p>{hint}</p>}
      {action}
    </div>
  );
}

/** Loading until there is data, the error when there is none, empty when `isEmpty(data)`, else children. */
export function QueryView<T>({ data, loading, error, refetch, isEmpty, empty, children }: {
  data: T | undefined;
  loading: boolean;
  error?: unknown;
  refetch?: () => unknown;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (data === undefined || data === null) {
    if (error) return <ErrorState error={error} onRetry={refetch ? () => void refetch() : undefined} />;
    if (loading) return <Loading />;
    return <ErrorState error={error} onRetry={refetch ? () => void refetch() : undefined} />;
  }
  return (
    <>
      {error ? <ErrorState error={error} onRetry={refetch ? () => void refetch() : undefined} /> : null}
      {isEmpty?.(data) ? (empty ?? <EmptyState />) : children(data)}
    </>
  );
}
