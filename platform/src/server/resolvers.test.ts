/**
 * The resolver maps defineSubgraph accepts. The types below are what graphql-codegen's
 * typescript-resolvers plugin writes with `federation: true` (trimmed to one entity, one query and
 * one scalar): `npm run check` type-checks this file, so a change that made generated maps need a
 * cast again fails there.
 */
import { GraphQLScalarType, type GraphQLResolveInfo } from 'graphql';
import { defineSubgraph, mergeResolvers, type BaseContext, type ResolverMapLike } from './index';

type Maybe<T> = T | null;
type ResolverFn<TResult, TParent, TContext, TArgs> = (parent: TParent, args: TArgs, context: TContext, info: GraphQLResolveInfo) => Promise<TResult> | TResult;
type ResolverWithResolve<TResult, TParent, TContext, TArgs> = { resolve: ResolverFn<TResult, TParent, TContext, TArgs> };
type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;
type ReferenceResolver<TResult, TReference, TContext> = (reference: TReference, context: TContext, info: GraphQLResolveInfo) => Promise<TResult> | TResult;
type FederationReferenceType = { __typename: 'Note' } & { id: string };
interface NoteModel { id: string; text: string }
type ResolversTypes = { Note: NoteModel; ID: string; String: string; Query: Record<PropertyKey, never>; DateTime: string | Date };
type QueryResolvers<ContextType, ParentType = ResolversTypes['Query']> = {
  note?: Resolver<Maybe<ResolversTypes['Note']>, ParentType, ContextType, { id: string }>;
};
type NoteResolvers<ContextType, ParentType = NoteModel> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Note']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  text?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};
type Resolvers<ContextType> = { DateTime?: GraphQLScalarType; Note?: NoteResolvers<ContextType>; Query?: QueryResolvers<ContextType> };

interface NotesExtra { notes: Map<string, NoteModel> }
type NotesContext = BaseContext & NotesExtra;

const DateTime = new GraphQLScalarType({ name: 'DateTime' });
const generated: Resolvers<NotesContext> = {
  DateTime,
  Query: { note: (_parent, args, ctx) => ctx.notes.get(args.id) ?? null },
  Note: { __resolveReference: (ref, ctx) => ctx.notes.get(ref.id) ?? null, text: { resolve: (note) => note.text.toUpperCase() } },
};
const plain = { Query: { ping: () => 'pong' }, Mutation: { touch: (_: unknown, args: { id: string }, ctx: NotesContext) => ctx.notes.has(args.id) } };

describe('resolver maps of defineSubgraph', () => {
  test('a generated Resolvers<Ctx> map, a plain object and a factory of either are accepted as they are', () => {
    const base = { port: 0, schemaFile: 'schema.graphql', migrations: [], relay: false, services: () => ({}) };
    const asGenerated = defineSubgraph<object, NotesExtra>({ ...base, name: 'notes', resolvers: generated });
    const asPlain = defineSubgraph({ ...base, name: 'plain', resolvers: plain });
    const asFactory = defineSubgraph<{ prefix: string }>({ ...base, name: 'factory', services: () => ({ prefix: '>' }), resolvers: ({ prefix }) => ({ Query: { hi: () => `${prefix} hi` } }) });
    expect(asGenerated.resolvers).toBe(generated);
    expect(asPlain.resolvers).toBe(plain);
    expect(typeof asFactory.resolvers).toBe('function');
  });

  test('feature maps merge type by type; a scalar is kept as the scalar', () => {
    const merged: ResolverMapLike = mergeResolvers(generated, plain, { Query: { extra: () => 1 } });
    expect(Object.keys(merged.Query ?? {}).sort()).toEqual(['extra', 'note', 'ping']);
    expect(merged.DateTime).toBe(DateTime);
    expect(Object.keys(merged.Note ?? {}).sort()).toEqual(['__resolveReference', 'text']);
    expect(Object.keys(merged.Mutation ?? {})).toEqual(['touch']);
  });
});
