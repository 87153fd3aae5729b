/**
 * Expected failures of identity's mutations (returned in `userErrors`, never thrown to the caller),
 * shared by every feature. `Rejected` carries them out of a transaction so it rolls back.
 */

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
