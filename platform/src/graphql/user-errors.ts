/**
 * Expected failures of mutations, the same way in every subgraph (DESIGN.md: payloads with
 * `userErrors: [UserError!]!`, `{ code, message, field }`).
 *
 *   export const messages = defineMessages({ EMAIL_TAKEN: { en: 'A user with {email} exists', es: 'Ya existe un usuario con {email}' } });
 *   export type IdentityErrorCode = CodeOf<typeof messages>;
 *   export const { userError, reject } = userErrors(messages);
 *
 *   userError('EMAIL_TAKEN', { field: 'email', params: { email } })   // only identity's codes; params checked
 *   reject('EMAIL_TAKEN', { ... })                                     // throws Rejected: the transaction rolls back
 *   return payload(() => inTenantTx(..., async (em) => ({ user: await ... })), { user: null });
 *
 * Localisation: a UserError keeps its English `message` (rendered from the `en` template) and its
 * `params`; the `UserError.message` resolver from `userErrorResolvers(messages)` renders the
 * template of the request's locale (`localeOf(context)`, set by `localePlugin`).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { isUniqueViolation } from '../db/sql';
import { localeFrom, renderMessage, type CodeOf, type Locale, type MessageCatalogue, type MessageParams, type MessageText, type ParamsOf } from '../i18n';

/** An expected failure: a stable machine code, an English message, the input field at fault. */
export interface UserError<Code extends string = string> {
  code: Code;
  message: string;
  field: string | null;
  /** The values of the code's template parameters, so the message can be rendered in another language. */
  params?: MessageParams;
}

/**
 * Thrown inside a transaction to roll it back and answer expected failures instead (payload()
 * catches it). Carries the userErrors, never a secret or a stack for the caller.
 */
export class Rejected<Code extends string = string> extends Error {
  readonly userErrors: readonly UserError<Code>[];
  constructor(userErrors: UserError<Code> | readonly UserError<Code>[]) {
    const list = Array.isArray(userErrors) ? (userErrors as readonly UserError<Code>[]) : [userErrors as UserError<Code>];
    super(`rejected: ${list.map((e) => e.code).join(', ')}`);
    this.name = 'Rejected';
    this.userErrors = list;
  }
}

/** Options of a userError: the input field at fault and, when the code's texts have `{params}`, their values. */
type Options<T extends MessageText> = [ParamsOf<T['en']> | ParamsOf<T['es']>] extends [never]
  ? [options?: { field?: string | null }]
  : [options: { field?: string | null; params: { readonly [P in ParamsOf<T['en']> | ParamsOf<T['es']>]: string | number } }];

export interface UserErrorFactory<M extends MessageCatalogue> {
  /** The catalogue the factory renders from. */
  readonly messages: M;
  /** A UserError of one of the catalogue's codes, its English message rendered from the `en` template. */
  userError<C extends CodeOf<M>>(code: C, ...options: Options<M[C]>): UserError<C>;
  /** Throws Rejected with that one UserError (rolls the surrounding transaction back). */
  reject<C extends CodeOf<M>>(code: C, ...options: Options<M[C]>): never;
}

/** The userError()/reject() pair of one subgraph: they accept only the codes of its catalogue. */
export function userErrors<const M extends MessageCatalogue>(messages: M): UserErrorFactory<M> {
  function userError<C extends CodeOf<M>>(code: C, ...[options]: Options<M[C]>): UserError<C> {
    const texts = messages[code];
    if (!texts) throw new Error(`unknown user error code ${code}`);
    const opts = options as { field?: string | null; params?: MessageParams } | undefined;
    const params = opts?.params;
    const error: UserError<C> = { code, message: renderMessage(texts.en, params) ?? texts.en, field: opts?.field ?? null };
    if (params && Object.keys(params).length) error.params = params;
    return error;
  }
  return {
    messages,
    userError,
    reject: <C extends CodeOf<M>>(code: C, ...options: Options<M[C]>): never => {
      throw new Rejected(userError(code, ...options));
    },
  };
}

/** The payload of a mutation: its fields plus the userErrors (empty on success). */
export type Payload<T extends object, Code extends string = string> = T & { userErrors: UserError<Code>[] };

export interface PayloadOptions<Code extends string> {
  /**
   * A unique violation (SQLSTATE 23505) raced past the checks: answer these userErrors, or 'retry'
   * to run `work` once more (e.g. an idempotency key committed meanwhile makes the retry a replay).
   */
  onUniqueViolation?: 'retry' | (() => UserError<Code> | readonly UserError<Code>[]);
}

/**
 * Runs a mutation's work (usually one transaction) and answers its payload: the work's fields with
 * `userErrors: []` (or the work's own userErrors), or, when it throws Rejected, `empty` with the
 * rejection's userErrors; the transaction has rolled back by then. Any other error propagates.
 */
export async function payload<T extends object, E extends object, Code extends string = string>(
  work: () => Promise<T>,
  empty: E,
  options: PayloadOptions<Code> = {},
): Promise<Payload<T, Code> | Payload<E, Code>> {
  const run = async (retried: boolean): Promise<Payload<T, Code> | Payload<E, Code>> => {
    try {
      return { userErrors: [], ...(await work()) } as Payload<T, Code>;
    } catch (e) {
      if (e instanceof Rejected) return { ...empty, userErrors: [...(e.userErrors as readonly UserError<Code>[])] };
      if (isUniqueViolation(e) && options.onUniqueViolation) {
        if (options.onUniqueViolation === 'retry') {
          if (!retried) return run(true);
          throw e;
        }
        const errs = options.onUniqueViolation();
        return { ...empty, userErrors: Array.isArray(errs) ? [...(errs as readonly UserError<Code>[])] : [errs as UserError<Code>] };
      }
      throw e;
    }
  };
  return run(false);
}

// ---- localisation ------------------------------------------------------------------------------

/** A context that may carry the request's locale (set by localePlugin, or by the context builder). */
export interface LocaleContext { locale?: Locale }

/** The request's locale from a resolver context; English when none was set. */
export function localeOf(context: unknown): Locale {
  const locale = context && typeof context === 'object' ? (context as LocaleContext).locale : undefined;
  return locale === 'es' || locale === 'en' ? locale : 'en';
}

/**
 * Apollo Server plugin that stores the Accept-Language choice in the request's context as
 * `locale`, so resolvers (UserError.message) render texts in it. Add it to a subgraph's plugins.
 */
export function localePlugin<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      (contextValue as LocaleContext).locale = localeFrom(request.http?.headers.get('accept-language'));
    },
  };
}

/** A UserError's message in a locale: the catalogue's template rendered with its params, else its English message. */
export function messageIn(messages: MessageCatalogue, error: UserError, locale: Locale): string {
  if (locale === 'en') return error.message;
  const texts = Object.prototype.hasOwnProperty.call(messages, error.code) ? messages[error.code] : undefined;
  return (texts && renderMessage(texts[locale], error.params)) ?? error.message;
}

/**
 * The `UserError` resolvers of a subgraph: `message` in the request's locale. Spread into the
 * subgraph's resolver map (the generated `Resolvers` type accepts it).
 */
export function userErrorResolvers(messages: MessageCatalogue) {
  return {
    UserError: {
      message: (error: UserError, _args: unknown, context: unknown): string => messageIn(messages, error, localeOf(context)),
    },
  };
}
