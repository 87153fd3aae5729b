/** Authentication failures carry a machine code; the API maps all of them to UNAUTHENTICATED. */
export class AuthError extends Error {
  constructor(public readonly reason: 'MISSING' | 'INVALID' | 'EXPIRED' | 'WRONG_ISSUER' | 'WRONG_AUDIENCE' | 'UNSUPPORTED_ALG' | 'UNKNOWN_TENANT' | 'REVOKED', message: string) {
    super(message);
    this.name = 'AuthError';
  }
}

/** Authorization failures (valid identity, insufficient rights): FORBIDDEN. */
export class ForbiddenError extends Error {
  constructor(message = 'You are not allowed to do this') {
    super(message);
    this.name = 'ForbiddenError';
  }
}
