import pino from 'pino';

/**
 * JSON logs. Fields that could carry secrets are redacted at the source; callers add `tenant_id`
 * and `request_id` through child loggers (see server/context.ts).
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
  base: { service: process.env.SERVICE_NAME ?? 'imagy' },
  redact: {
    paths: ['req.headers.authorization', 'authorization', 'password', '*.password', 'token', '*.token', 'refreshToken', '*.refreshToken', 'secret', '*.secret'],
    censor: '[redacted]',
  },
});

export type Logger = pino.Logger;
