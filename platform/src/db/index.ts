export * from './orm';
export * from './tenant';
export * from './rls';
export * from './provision';
export { Migration } from '@mikro-orm/migrations';
export * from './sql';
