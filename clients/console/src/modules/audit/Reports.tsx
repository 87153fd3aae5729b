/**
 * Audit reports: events per day (with failures) over the last 30 days and the most active actors,
 * from `auditReport` (PERIOD / ACTOR groupings), drawn with Recharts.
 */
import { useMemo } from 'react';
import { useQuery } from '@apollo/client/react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { graphql } from '../../__generated__';
import { defineMessages, useT } from '@imagy/web-kit/i18n';
import { Section } from '../../ui/common';
import { EmptyState, QueryView } from '@imagy/web-kit/states';

const m = defineMessages({
  en: { perDay: 'Events per day, last 30 days', byActor: 'Most active actors, last 30 days', events: 'Events', failures: 'Failures', actor: 'Actor', empty: 'No events in the last 30 days', system: 'system' },
  es: { perDay: 'Eventos por día, últimos 30 días', byActor: 'Actores más activos, últimos 30 días', events: 'Eventos', failures: 'Fallos', actor: 'Actor', empty: 'Sin eventos en los últimos 30 días', system: 'sistema' },
});

const ReportQuery = graphql(`
  query ConsoleAuditReport($from: DateTime!, $to: DateTime!) {
    perDay: auditReport(groupBy: PERIOD, period: DAY, from: $from, to: $to) { key count failures }
    byActor: auditReport(groupBy: ACTOR, from: $from, to: $to) { key count failures actorKind actor { id displayName } }
  }
`);

const DAY_MS = 86_400_000;

export function AuditReports() {
  const t = useT(m);
  // Whole UTC days: the same variables for the whole session (cache-friendly).
  const range = useMemo(() => {
    const to = new Date(Math.ceil(Date.now() / DAY_MS) * DAY_MS);
    return { from: new Date(to.getTime() - 30 * DAY_MS).toISOString(), to: to.toISOString() };
  }, []);
  const q = useQuery(ReportQuery, { variables: range });
  return (
    <QueryView {...q} isEmpty={(d) => !d.perDay.length} empty={<EmptyState title={t('empty')} />}>
      {(d) => {
        const actors = [...d.byActor].sort((a, b) => b.count - a.count).slice(0, 10)
          .map((r) => ({ name: r.actor?.displayName ?? (r.actorKind === 'SYSTEM' ? t('system') : r.key.slice(0, 8)), count: r.count, failures: r.failures }));
        const summary = (rows: { name?: string; key?: string; count: number }[]) => rows.map((r) => `${r.name ?? r.key}: ${r.count}`).join(', ');
        return (
          <div className="grid-2">
            <Section title={t('perDay')}>
              <div className="chart" role="img" aria-label={`${t('perDay')}. ${summary(d.perDay)}`}>
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={d.perDay.map((r) => ({ key: r.key, count: r.count, failures: r.failures }))}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis dataKey="key" />
                    <YAxis allowDecimals={false} />
                    <Tooltip />
                    <Legend />
                    <Bar isAnimationActive={false} dataKey="count" name={t('events')} fill="#1746a2" />
                    <Bar isAnimationActive={false} dataKey="failures" name={t('failures')} fill="#8a1414" />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </Section>
            <Section title={t('byActor')}>
              <div className="chart" role="img" aria-label={`${t('byActor')}. ${summary(actors)}`}>
                <ResponsiveContainer width="100%" height="100%">
                  <BarChart data={actors} layout="vertical" margin={{ left: 40 }}>
                    <CartesianGrid strokeDasharray="3 3" />
                    <XAxis type="number" allowDecimals={false} />
                    <YAxis type="category" dataKey="name" width={120} />
                    <Tooltip />
                    <Bar isAnimationActive={false} dataKey="count" name={t('events')} fill="#1746a2" />
                  </BarChart>
                </ResponsiveContainer>
              </div>
            </Section>
          </div>
        );
      }}
    </QueryView>
  );
}
