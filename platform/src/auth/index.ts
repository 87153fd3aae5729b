export * from './errors';
export * from './context';
export * from './keys';
export * from './tokens';
export * from './verifier';
export * from './revocation';
