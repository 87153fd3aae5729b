/**
 * Message catalogues: every code's texts in English and Spanish, declared once (see index.ts).
 */
export type Locale = 'es' | 'en';

export const SUPPORTED_LOCALES: readonly Locale[] = ['es', 'en'];

/** Code -> text in one language. */
export type Catalogue = Record<string, string>;

/** The texts of one code; templates may hold `{param}` placeholders. */
export interface MessageText { readonly en: string; readonly es: string }

/** Code -> texts. Declare one with defineMessages() so the codes stay a literal type. */
export type MessageCatalogue = Readonly<Record<string, MessageText>>;

/** The codes of a catalogue: `type LendingErrorCode = CodeOf<typeof messages>`. */
export type CodeOf<M extends MessageCatalogue> = keyof M & string;

/** Parameter names of a template literal type: ParamsOf<'between {min} and {max}'> = 'min' | 'max'. */
export type ParamsOf<S extends string> = string extends S ? never : S extends `${string}{${infer P}}${infer Rest}` ? P | ParamsOf<Rest> : never;

/** A parameter value: text, a number, or a word given in each language (rendered in the message's). */
export type MessageParam = string | number | MessageText;

/** Values a template's parameters take. */
export type MessageParams = Readonly<Record<string, MessageParam>>;

/**
 * Declares a catalogue, keeping its codes and templates as literal types (so `keyof typeof messages`
 * is the subgraph's error-code type and parameters are checked where errors are built).
 */
export function defineMessages<const M extends Record<string, MessageText>>(messages: M): M {
  return Object.freeze(messages);
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The `{param}` names a template uses, sorted and unique. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))].sort();
}

/** The template with every `{param}` replaced (words in `locale`), or null when a parameter is missing. */
export function renderMessage(template: string, params: MessageParams | undefined, locale: Locale = 'en'): string | null {
  let missing = false;
  const text = template.replace(PLACEHOLDER, (_, name: string) => {
    const v = params && Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
    if (v === undefined || v === null) { missing = true; return ''; }
    if (typeof v === 'object') {
      const word = (v as Partial<MessageText>)[locale];
      if (typeof word !== 'string') { missing = true; return ''; }
      return word;
    }
    return String(v);
  });
  return missing ? null : text;
}

/**
 * What is wrong with a catalogue: codes that are not UPPER_SNAKE, texts that are empty in a
 * language, English and Spanish templates that do not use the same parameters. Empty when sound.
 */
export function catalogueProblems(messages: MessageCatalogue): string[] {
  const problems: string[] = [];
  for (const [code, texts] of Object.entries(messages)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(code)) problems.push(`${code}: codes are UPPER_SNAKE_CASE`);
    for (const locale of SUPPORTED_LOCALES) {
      const text = (texts as Partial<MessageText> | undefined)?.[locale];
      if (typeof text !== 'string' || text.trim() === '') problems.push(`${code}: no ${locale} text`);
    }
    if (typeof texts?.en === 'string' && typeof texts?.es === 'string') {
      const en = placeholdersOf(texts.en).join(', ');
      const es = placeholdersOf(texts.es).join(', ');
      if (en !== es) problems.push(`${code}: en uses {${en}} but es uses {${es}}`);
    }
  }
  return problems;
}

/** The flat `code -> text` map of one language (what startSubgraph's `messagesEs` takes). */
export function catalogueIn(messages: MessageCatalogue, locale: Locale): Catalogue {
  return Object.fromEntries(Object.entries(messages).map(([code, texts]) => [code, texts[locale]]));
}

