/** Per-request DataLoaders of flow definitions and executions (a list of N items costs a constant number of statements). */
import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { ExecutionsService } from '../executions/executions.service';
import type { FlowsService } from './flows.service';

export function createFlowLoaders(flows: FlowsService, executions: ExecutionsService, auth: AuthContext) {
  return {
    flowById: new DataLoader((ids: readonly string[]) => flows.flowsByIds(auth, ids)),
    versionById: new DataLoader((ids: readonly string[]) => flows.versionsByIds(auth, ids)),
    versionsOfFlow: new DataLoader((ids: readonly string[]) => flows.versionsOfFlows(auth, ids)),
    stepsOfVersion: new DataLoader((ids: readonly string[]) => flows.stepsOf(auth, ids)),
    rulesOfVersion: new DataLoader((ids: readonly string[]) => flows.rulesOf(auth, ids)),
    requestById: new DataLoader((ids: readonly string[]) => executions.byIds(auth, ids)),
    resultsOfRequest: new DataLoader((ids: readonly string[]) => executions.resultsOf(auth, ids)),
    callsOfRequest: new DataLoader((ids: readonly string[]) => executions.callsOf(auth, ids)),
    filesOfRequest: new DataLoader((ids: readonly string[]) => executions.filesOf(auth, ids)),
  };
}

export type FlowLoaders = ReturnType<typeof createFlowLoaders>;
