/** The sign subgraph as a process (environment: platform/src/server/process.ts). */
import { runSubgraphProcess } from '@imagy/platform/server';
import { sign } from './app';

void runSubgraphProcess(sign);
