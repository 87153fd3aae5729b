export * from './classes';
export * from './types';
export * from './ids';
export * from './redact';
export * from './from-envelope';
export * from './from-record';
export * from './columns';
