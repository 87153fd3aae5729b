/** Rules of templates: who may write them, what a valid version is, previews. No SQL (templates.store.ts). */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { actorOf, pageSize, requireRole, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import { keysetAfter, keysetOf } from '../common/cursor';
import { multilineTextProblem } from '../common/text';
import { TEMPLATE_READERS, TEMPLATE_WRITERS } from '../common/roles';
import { reject } from '../i18n/messages';
import { checkVariables, LOCALE, pickBody, placeholdersOf, render, TEMPLATE_KEY, VARIABLE_NAME, type Channel, type Rendered, type TemplateBody } from './render';
import { templatesStore, type Template, type TemplateVersion } from './templates.store';

export type { Template, TemplateVersion };

export const MAX_BODIES = 20;
export const MAX_BODY = 20_000;
export const MAX_SUBJECT = 300;
export const MAX_VARIABLES = 50;

export interface VersionInput { variables: readonly string[]; bodies: readonly { locale: string; subject?: string | null; body: string }[] }

/** A version's input checked: declared variables valid, every placeholder declared, locales unique. */
export function checkVersion(channel: Channel, input: VersionInput): { variables: string[]; bodies: TemplateBody[] } {
  const variables = [...new Set(input.variables)];
  if (variables.length > MAX_VARIABLES) reject('TEXT_TOO_LONG', { field: 'variables', params: { max: MAX_VARIABLES } });
  for (const name of variables) if (!VARIABLE_NAME.test(name)) reject('VARIABLE_NAME_INVALID', { field: 'variables', params: { name } });
  if (input.bodies.length === 0 || input.bodies.length > MAX_BODIES) reject('BODIES_REQUIRED', { field: 'bodies', params: { max: MAX_BODIES } });
  const seen = new Set<string>();
  const bodies = input.bodies.map((b, i): TemplateBody => {
    const field = `bodies.${i}`;
    if (!LOCALE.test(b.locale)) reject('LOCALE_INVALID', { field: `${field}.locale`, params: { locale: b.locale.slice(0, 20) } });
    if (seen.has(b.locale)) reject('LOCALE_DUPLICATE', { field: `${field}.locale`, params: { locale: b.locale } });
    seen.add(b.locale);
    const subject = channel === 'EMAIL' ? (b.subject ?? '').trim() : null;
    if (channel === 'EMAIL' && !subject) reject('SUBJECT_REQUIRED', { field: `${field}.subject` });
    if (subject && subject.length > MAX_SUBJECT) reject('TEXT_TOO_LONG', { field: `${field}.subject`, params: { max: MAX_SUBJECT } });
    if (subject && notPlainText(subject)) reject('TEXT_NOT_PLAIN', { field: `${field}.subject` });
    if (b.body.trim() === '' || b.body.length > MAX_BODY) reject('TEXT_TOO_LONG', { field: `${field}.body`, params: { max: MAX_BODY } });
    if (multilineTextProblem(b.body)) reject('TEXT_NOT_PLAIN', { field: `${field}.body` });
    for (const name of placeholdersOf(`${subject ?? ''} ${b.body}`)) if (!variables.includes(name)) reject('PLACEHOLDER_UNDECLARED', { field: `${field}.body`, params: { name } });
    return { locale: b.locale, subject, body: b.body };
  });
  return { variables, bodies };
}

export interface RenderRequest { templateKey: string; channel: Channel; locale?: string | null; version?: number | null; variables: unknown }
export interface RenderedTemplate extends Rendered { template: Template; version: number; values: Record<string, string> }

export class TemplatesService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox) {}

  async create(caller: Caller, input: { key: string; channel: Channel } & VersionInput) {
    const auth = requireRole(caller.auth, ...TEMPLATE_WRITERS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const key = input.key.trim();
      if (!TEMPLATE_KEY.test(key) || key.length > 120) reject('TEMPLATE_KEY_INVALID', { field: 'key' });
      const version = checkVersion(input.channel, input);
      const template = await templatesStore.insert(em, { id: crypto.randomUUID(), tenantId: auth.tenantId, key, channel: input.channel, createdBy: auth.userId });
      if (!template) return reject('TEMPLATE_EXISTS', { field: 'key' });
      await templatesStore.insertVersion(em, { tenantId: auth.tenantId, templateId: template.id, version: 1, ...version, createdBy: auth.userId });
      await this.outbox.publish(em, 'notifications.template.created', { templateId: template.id, key, channel: template.channel, version: 1 }, { tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return { template };
    }), { template: null });
  }

  async publishVersion(caller: Caller, input: { templateId: string } & VersionInput) {
    const auth = requireRole(caller.auth, ...TEMPLATE_WRITERS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const current = isUuid(input.templateId) ? await templatesStore.lockById(em, input.templateId) : null;
      if (!current) return reject('TEMPLATE_NOT_FOUND', { field: 'templateId', params: { key: input.templateId.slice(0, 60) } });
      if (current.archived) reject('TEMPLATE_ARCHIVED', { field: 'templateId' });
      const version = checkVersion(current.channel, input);
      const number = current.currentVersion + 1;
      await templatesStore.insertVersion(em, { tenantId: auth.tenantId, templateId: current.id, version: number, ...version, createdBy: auth.userId });
      const template = await templatesStore.setCurrentVersion(em, current.id, number);
      await this.outbox.publish(em, 'notifications.template.version_published', { templateId: template.id, key: template.key, channel: template.channel, version: number }, { tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return { template };
    }), { template: null });
  }

  async archive(caller: Caller, templateId: string) {
    const auth = requireRole(caller.auth, ...TEMPLATE_WRITERS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const current = isUuid(templateId) ? await templatesStore.lockById(em, templateId) : null;
      if (!current) return reject('TEMPLATE_NOT_FOUND', { field: 'templateId', params: { key: templateId.slice(0, 60) } });
      const template = await templatesStore.archive(em, current.id);
      if (!current.archived) await this.outbox.publish(em, 'notifications.template.archived', { templateId: template.id, key: template.key, channel: template.channel }, { tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return { template };
    }), { template: null });
  }

  /**
   * Resolves and renders a template inside an open tenant transaction, or rejects naming the field:
   * unknown (or another tenant's: RLS hides it) or archived template, unknown version, no body for
   * the locale chain, missing or undeclared variable.
   */
  async renderIn(em: Em, request: RenderRequest): Promise<RenderedTemplate> {
    if (!TEMPLATE_KEY.test(request.templateKey) || request.templateKey.length > 120) reject('TEMPLATE_KEY_INVALID', { field: 'templateKey' });
    const template = await templatesStore.byKey(em, request.templateKey, request.channel);
    if (!template) return reject('TEMPLATE_NOT_FOUND', { field: 'templateKey', params: { key: request.templateKey.slice(0, 120) } });
    if (template.archived) reject('TEMPLATE_ARCHIVED', { field: 'templateKey' });
    const number = request.version ?? template.currentVersion;
    const version = await templatesStore.version(em, template.id, number);
    if (!version) return reject('VERSION_NOT_FOUND', { field: 'version', params: { version: number } });
    if (request.locale != null && !LOCALE.test(request.locale)) reject('LOCALE_INVALID', { field: 'locale', params: { locale: request.locale.slice(0, 20) } });
    const body = pickBody(version.bodies, request.locale);
    if (!body) return reject('TEMPLATE_LOCALE_MISSING', { field: 'locale', params: { locale: request.locale ?? 'en' } });
    const checked = checkVariables(version.variables, request.variables);
    if ('problem' in checked) {
      const { kind, name } = checked.problem;
      return reject(kind, { field: name ? `variables.${name}` : 'variables', params: { name } });
    }
    return { ...render(request.channel, body, checked.values), template, version: number, values: checked.values };
  }

  async preview(auth: AuthContext, request: RenderRequest) {
    const user = requireRole(auth, ...TEMPLATE_READERS);
    return payload(async () => {
      const r = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => this.renderIn(em, request));
      return { preview: { templateKey: r.template.key, version: r.version, locale: r.locale, subject: r.subject, body: r.body } };
    }, { preview: null });
  }

  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(Template | null)[]> {
    const valid = ids.filter(isUuid);
    const found = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => templatesStore.byIds(em, valid));
    const byId = new Map(found.map((t) => [t.id, t]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async versionsOf(auth: AuthContext, templateIds: readonly string[]): Promise<TemplateVersion[][]> {
    const rows = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => templatesStore.versionsOf(em, templateIds));
    return templateIds.map((id) => rows.filter((v) => v.templateId === id));
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null; channel?: Channel | null }): Promise<Connection<Template>> {
    const user = requireRole(auth, ...TEMPLATE_READERS);
    const limit = pageSize(args.first);
    const after = keysetAfter(args.after);
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => templatesStore.page(em, limit, after, args.channel ?? null));
    return toConnection(rows, limit, keysetOf);
  }
}
