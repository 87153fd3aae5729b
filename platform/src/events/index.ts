export * from './catalogue';
export * from './envelope';
export * from './outbox';
export * from './relay';
export * from './consumer';
export * from './nats';
export * from './rpc';
