/**
 * The audit request context, where the generated resolver types look for it (codegen.ts:
 * `../context#AuditContext`). It still lives beside the resolvers; this re-export keeps the
 * generated types compiling until the context moves here.
 */
export type { AuditContext } from './audit-events/audit-event.resolvers';
