export * from './subgraph';
export * from './errors';
export * from './guards';
export * from './metrics';
export * from './pagination';
export * from './subscriptions';
export * from './caller';
export * from './lifecycle';
