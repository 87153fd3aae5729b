/**
 * Refuses a request whose arguments hold text PostgreSQL cannot store (NUL) or that is not valid
 * Unicode (a lone UTF-16 surrogate), in any String argument, variable or inline literal, before
 * any resolver runs: a typed BAD_USER_INPUT naming the argument, and nothing written. Without it
 * such a value reaches a query parameter and fails there as an internal error.
 *
 * The platform scalars already refuse these in Decimal, Date, DateTime and JSON; this covers the
 * built-in String (and ID), which graphql-js lets through. It is generic; lending keeps it here
 * until the platform offers one for every subgraph.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import { unstorableText } from '@imagy/platform/graphql';

interface Problem { path: string; problem: string }

function inValue(value: unknown, path: string): Problem | null {
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    return problem ? { path, problem } : null;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = inValue(v, `${path}.${i}`);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const key = unstorableText(k);
      if (key) return { path: `${path}.<key>`, problem: key };
      const found = inValue(v, `${path}.${k}`);
      if (found) return found;
    }
  }
  return null;
}

function inLiterals(document: DocumentNode): Problem | null {
  let found: Problem | null = null;
  visit(document, {
    StringValue(node) {
      const problem = found ? null : unstorableText(node.value);
      if (problem) found = { path: `string literal at line ${node.loc?.startToken.line ?? '?'}`, problem };
    },
  });
  return found;
}

export function unstorableTextPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const found = inValue(request.variables ?? {}, '$') ?? inLiterals(document);
          if (!found) return;
          const field = found.path.startsWith('$.') ? found.path.slice(2) : found.path;
          throw new GraphQLError(`${field} ${found.problem}`, { extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } } });
        },
      };
    },
  };
}
