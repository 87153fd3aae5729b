/** Calendar dates as YYYY-MM-DD text (pure functions, no I/O). */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date `YYYY-MM-DD`. */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export const todayUtc = (now = new Date()) => now.toISOString().slice(0, 10);

/** The business date of a tenant whose identity record has no time zone yet. */
export const DEFAULT_TIME_ZONE = 'America/Mexico_City';

/** Where lending reads the current instant: `() => new Date()` in a process, a fixed clock in tests. */
export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The calendar date (YYYY-MM-DD) at `instant` in the IANA `timeZone` (a tenant's business date).
 * An unknown or missing zone falls back to DEFAULT_TIME_ZONE.
 */
export function dateInZone(timeZone: string | null | undefined, instant: Date): string {
  const zone = timeZone || DEFAULT_TIME_ZONE;
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      return dateInZone(DEFAULT_TIME_ZONE, instant);
    }
    formatters.set(zone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(instant).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
