/** Audit subgraph process (environment: see platform/src/server/process.ts). */
import { runSubgraphProcess } from '@imagy/platform/server';
import { audit } from './app';

void runSubgraphProcess(audit);
