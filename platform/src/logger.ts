import pino from 'pino';

/**
 * JSON logs. Fields that could carry secrets are redacted at the source; callers add `tenant_id`
 * and `request_id` through child loggers (see server/context.ts).
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  // Each process names itself once: SERVICE_NAME, or the subgraph's child logger adds `service`.
  base: process.env.SERVICE_NAME ? { service: process.env.SERVICE_NAME } : {},
  redact: {
    paths: ['req.headers.authorization', 'authorization', 'password', '*.password', 'token', '*.token', 'refreshToken', '*.refreshToken', 'secret', '*.secret'],
    censor: '[redacted]',
  },
});

export type Logger = pino.Logger;
