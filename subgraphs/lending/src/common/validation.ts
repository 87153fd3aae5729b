/** Input rules shared by the lending services (pure functions, no I/O). */
export interface UserError {
  code: string;
  message: string;
  field: string | null;
}

export const userError = (code: string, message: string, field: string | null = null): UserError => ({ code, message, field });

/** Thrown inside a transaction to roll it back and report expected failures instead. */
export class Rejected extends Error {
  constructor(readonly userErrors: UserError[]) { super('rejected'); }
}

export const reject = (code: string, message: string, field: string | null = null): never => {
  throw new Rejected([userError(code, message, field)]);
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date `YYYY-MM-DD`. */
export function isDate(value: unknown): value is string {
  if (typeof value !== 'string' || !DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

export const todayUtc = (now = new Date()) => now.toISOString().slice(0, 10);

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}
