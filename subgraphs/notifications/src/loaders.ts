/** Per-request DataLoaders (a list of N items costs a constant number of SQL statements). */
import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { AttemptRecord, NotificationRequest, RequestsService } from './requests/requests.service';
import type { Template, TemplatesService, TemplateVersion } from './templates/templates.service';

export function createLoaders(templates: TemplatesService, requests: RequestsService, auth: AuthContext) {
  return {
    templateById: new DataLoader<string, Template | null>((ids) => templates.byIds(auth, ids)),
    versionsOfTemplate: new DataLoader<string, TemplateVersion[]>((ids) => templates.versionsOf(auth, ids)),
    requestById: new DataLoader<string, NotificationRequest | null>((ids) => requests.byIds(auth, ids)),
    attemptsOfRequest: new DataLoader<string, AttemptRecord[]>((ids) => requests.attemptsOf(auth, ids)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
