/** The notifications subgraph as a process (environment: platform/src/server/process.ts). */
import { runSubgraphProcess } from '@imagy/platform/server';
import { notifications } from './app';

void runSubgraphProcess(notifications);
