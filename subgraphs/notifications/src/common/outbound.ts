/**
 * Outbound HTTP to tenant-supplied URLs: the guard moved to the platform (platform/src/outbound.ts)
 * when identity needed the same one for OIDC issuers; re-exported so notifications' imports stay.
 */
export * from '@imagy/platform/outbound';
