/** The flow subgraph as a process (environment: platform/src/server/process.ts). */
import { runSubgraphProcess } from '@imagy/platform/server';
import { flow } from './app';

void runSubgraphProcess(flow);
