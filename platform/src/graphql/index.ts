/**
 * @imagy/platform/graphql: what every subgraph's GraphQL layer shares. The custom scalars, the
 * UserError / Rejected / payload() trio for expected failures with typed codes from the subgraph's
 * message catalogue, the request locale for texts, and the parent type of a foreign entity. Types
 * of a subgraph's resolvers come from graphql-codegen (codegen.ts at the repository root).
 */
export * from './scalars';
export * from './user-errors';
export * from './resolvers';
export * from './input-text';
export * from './root-fields';
export { hasLoneSurrogate, notPlainText, unsafeDisplayText, unstorableText } from './text';
export { defineMessages, catalogueIn, catalogueProblems, type CodeOf, type MessageCatalogue, type MessageParams, type MessageText } from '../i18n';

/** The parent of an entity another subgraph owns: only its key (codegen maps such types here). */
export interface EntityRef<Typename extends string = string> {
  __typename?: Typename;
  id: string;
}
