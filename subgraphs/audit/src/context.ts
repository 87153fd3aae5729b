/** What audit's resolvers see per request, and the services they call. */
import type { BaseContext } from '@imagy/platform/server';
import type { AuditLoaders } from './audit-events/audit-event.loaders';
import type { AuditEventService, ClientInfo } from './audit-events/audit-event.service';
import type { ReportService } from './reports/report.service';

export interface AuditServices {
  events: AuditEventService;
  reports: ReportService;
}

export interface AuditExtra {
  loaders: AuditLoaders;
  /** Client hints of the request for recorded events (null over graphql-ws). */
  client: ClientInfo;
}

export type AuditContext = BaseContext & AuditExtra;
