/**
 * No string input may hold a NUL character or a lone UTF-16 surrogate, whatever its type (String,
 * ID, an enum-like String, a JSON value): PostgreSQL refuses NUL in text and jsonb, and a lone
 * surrogate has no UTF-8 form, so either would fail deep in a store as an internal error, after
 * the service started its work. This Apollo plugin refuses them once the operation is resolved and
 * before anything executes, with BAD_USER_INPUT naming the variable and the path inside it (or the
 * literal's location), in the caller's language like the scalars' refusals.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type ASTNode, type DocumentNode } from 'graphql';
import type { MessageParams, MessageText, ScalarMessageCode } from '../i18n';
import { renderMessage, SCALAR_MESSAGES } from '../i18n';
import { textProblem, type TextProblem } from './text';

const CODES: Record<TextProblem['kind'], ScalarMessageCode> = { NUL: 'TEXT_NUL', SURROGATE: 'TEXT_SURROGATE', INVISIBLE: 'TEXT_INVISIBLE' };

/** Keys and strings visited per request at most; beyond it the request is refused as too large to check. */
const MAX_NODES = 200_000;

/** The typed refusal, with the same messageCode/params as the scalars' (so i18n answers it in Spanish too). */
function refusal(problem: TextProblem, subject: MessageText, where: { node?: ASTNode; field?: string } = {}): GraphQLError {
  const messageCode = CODES[problem.kind];
  const params: MessageParams = problem.kind === 'INVISIBLE' ? { subject, char: problem.char } : { subject };
  return new GraphQLError(renderMessage(SCALAR_MESSAGES[messageCode].en, params) ?? SCALAR_MESSAGES[messageCode].en, {
    nodes: where.node,
    extensions: {
      code: 'BAD_USER_INPUT', scalar: 'String', reason: 'INVALID_TEXT', messageCode, params,
      ...(where.field ? { field: where.field } : {}), http: { status: 400 },
    },
  });
}

const pathText = (path: (string | number)[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/** The first unstorable string (value or key) in the variables, as a typed error; null when clean. */
export function checkVariablesText(variables: Readonly<Record<string, unknown>> | undefined | null): GraphQLError | null {
  if (!variables) return null;
  // Iterative walk: a variable can be nested far deeper than the stack would allow to recurse.
  const stack: { value: unknown; path: (string | number)[] }[] = Object.entries(variables).map(([name, value]) => ({ value, path: [name] }));
  let visited = 0;
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (++visited > MAX_NODES) return new GraphQLError('The variables are too large to check', { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });
    const where = (): MessageText => {
      const at = path.length > 1 ? pathText(path) : null;
      return { en: `Variable "$${path[0]}"${at ? ` at "${at}"` : ''}`, es: `La variable "$${path[0]}"${at ? ` en "${at}"` : ''}` };
    };
    if (typeof value === 'string') {
      const p = textProblem(value);
      // `field`: the variable and the path inside it, dotted as userErrors name fields (input.terms.buckets.0.name).
      if (p) return refusal(p, where(), { field: path.join('.') });
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
    } else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        const p = textProblem(key);
        if (p) return refusal(p, { en: `A key of variable "$${path[0]}"`, es: `Una clave de la variable "$${path[0]}"` });
        stack.push({ value: v, path: [...path, key] });
      }
    }
  }
  return null;
}

/** The first unstorable string literal of the document, as a typed error with its location; null when clean. */
export function checkDocumentText(document: DocumentNode): GraphQLError | null {
  let found: GraphQLError | null = null;
  visit(document, {
    StringValue(node) {
      if (found) return false;
      const p = textProblem(node.value);
      if (p) found = refusal(p, { en: 'A string in the query', es: 'Un texto de la consulta' }, { node });
      return undefined;
    },
  });
  return found;
}

/**
 * Refuses an operation whose variables or string literals hold NUL or a lone surrogate. Add it to
 * a subgraph's (or the gateway's) Apollo plugins.
 */
export function inputTextPlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const error = checkVariablesText(request.variables) ?? checkDocumentText(document);
          if (error) throw error;
        },
      };
    },
  };
}
