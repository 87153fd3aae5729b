/** Identity subgraph process (environment: platform/src/server/process.ts and the top of ./app.ts). */
import { runSubgraphProcess } from '@imagy/platform/server';
import { identity } from './app';

void runSubgraphProcess(identity);
