import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { PipelineService } from '../pipeline/pipeline.service';
import type { ApplicationsService } from './applications.service';

/**
 * Per-request loaders of applications in the caller's tenant scope (RLS): one statement per batch,
 * so a page of N applications with their steps and consents costs a constant number of statements.
 */
export function createApplicationLoaders(applications: ApplicationsService, pipeline: PipelineService, auth: AuthContext) {
  const t = auth.tenantId;
  return {
    applicationById: new DataLoader((ids: readonly string[]) => applications.byIds(t, ids)),
    stepsByApplicationId: new DataLoader((ids: readonly string[]) => applications.stepsByIds(t, ids)),
    consentsByApplicationId: new DataLoader((ids: readonly string[]) => applications.consentsByIds(t, ids)),
    applicationsByBorrowerId: new DataLoader((ids: readonly string[]) => applications.byBorrowerIds(t, ids)),
    pipelineByVersionId: new DataLoader((ids: readonly string[]) => pipeline.byVersionIds(t, ids)),
  };
}
export type ApplicationLoaders = ReturnType<typeof createApplicationLoaders>;
