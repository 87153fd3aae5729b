/**
 * Tables and connection lists: `DataTable` (header row from column labels) and `ConnectionList`
 * (a Relay connection as a table with its designed loading / error / empty states and cursor pager).
 */
import type { ReactNode } from 'react';
import { Pager, type useCursorPager } from './pager';
import { QueryView } from '@imagy/web-kit/states';

export type Column = string | { label: string; numeric?: boolean };

export function DataTable({ columns, caption, hiddenCaption = true, children }: { columns: Column[]; caption?: string; hiddenCaption?: boolean; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table>
        {caption && <caption className={hiddenCaption ? 'visually-hidden' : undefined}>{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c, i) => {
              const { label, numeric } = typeof c === 'string' ? { label: c, numeric: false } : c;
              return <th key={`${label}-${i}`} scope="col" className={numeric ? 'num' : undefined}>{label}</th>;
            })}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

interface Connection<E> { edges: readonly E[]; pageInfo: { hasNextPage: boolean; endCursor?: string | null } }

export function ConnectionList<D, E>({ result, connection, pager, pagerLabel, columns, caption, empty, row, before }: {
  result: { data: D | undefined; loading: boolean; error?: unknown; refetch?: () => unknown };
  connection(data: D): Connection<E>;
  pager: ReturnType<typeof useCursorPager>;
  pagerLabel: string;
  columns: Column[];
  caption?: string;
  empty: ReactNode;
  row(edge: E): ReactNode;
  /** Shown above the table when there are rows (totals, charts). */
  before?(data: D): ReactNode;
}) {
  return (
    <QueryView data={result.data} loading={result.loading} error={result.error} refetch={result.refetch} isEmpty={(d) => connection(d).edges.length === 0} empty={empty}>
      {(d) => (
        <>
          {before?.(d)}
          <DataTable columns={columns} caption={caption}>{connection(d).edges.map(row)}</DataTable>
          <Pager pager={pager} pageInfo={connection(d).pageInfo} label={pagerLabel} />
        </>
      )}
    </QueryView>
  );
}
