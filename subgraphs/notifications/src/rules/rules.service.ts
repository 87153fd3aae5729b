/**
 * Automatic notifications: a tenant's rules map an event subject to a template, a channel and the
 * recipient's place in the event data. The consumer (events/on-domain-event.ts) runs each matching
 * rule in the event's transaction; the request's idempotency key is `rule:<rule>:<event>`, and the
 * platform inbox records the event in the same transaction, so a redelivered event sends nothing.
 */
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Domain, EventEnvelope, Outbox } from '@imagy/platform/events';
import { payload, Rejected } from '@imagy/platform/graphql';
import { logger } from '@imagy/platform/logger';
import { actorOf, requireRole, SYSTEM_ACTOR, type Caller } from '@imagy/platform/server';
import { normaliseRecipient } from '../common/recipients';
import { RULE_ADMINS } from '../common/roles';
import { reject } from '../i18n/messages';
import type { RequestsService } from '../requests/requests.service';
import { LOCALE, TEMPLATE_KEY, type Channel } from '../templates/render';
import { templatesStore } from '../templates/templates.store';
import { rulesStore, type Rule } from './rules.store';

export type { Rule };

/** The domains whose events can trigger rules (not notifications' own, not audit's). */
export const RULE_DOMAINS: readonly Domain[] = ['identity', 'lending', 'sign', 'flow', 'subject', 'billing'];
const SUBJECT = /^[a-z]+\.[a-z_]+\.[a-z_]+$/;
const PATH = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,5}$/;

const log = logger.child({ component: 'notification-rules' });

/** The value at a dotted path of the event data. */
function at(data: unknown, path: string): unknown {
  let cur: unknown = data;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object' || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Fields that name the Imagy user an event is about, most specific first. */
const USER_FIELDS = ['recipientUserId', 'userId', 'borrowerId'];

/**
 * The user a rule's message is for (User.notifications): a user-id field next to the recipient
 * (`signer.email` -> `signer.userId`), else one at the top of the event data; a UUID or nothing.
 */
export function recipientUserOf(data: unknown, recipientPath: string): string | null {
  const parent = recipientPath.split('.').slice(0, -1).join('.');
  const candidates = [...(parent ? USER_FIELDS.map((f) => `${parent}.${f}`) : []), ...USER_FIELDS];
  for (const path of candidates) {
    const value = at(data, path);
    if (isUuid(value)) return value;
  }
  return null;
}

export class RulesService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly requests: RequestsService) {}

  async create(caller: Caller, input: { subject: string; templateKey: string; channel: Channel; recipientPath: string; locale?: string | null }) {
    const auth = requireRole(caller.auth, ...RULE_ADMINS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const subject = input.subject.trim();
      if (!SUBJECT.test(subject) || subject.length > 120 || !RULE_DOMAINS.some((d) => subject.startsWith(`${d}.`))) reject('RULE_SUBJECT_INVALID', { field: 'subject' });
      if (!TEMPLATE_KEY.test(input.templateKey) || input.templateKey.length > 120) reject('TEMPLATE_KEY_INVALID', { field: 'templateKey' });
      if (!PATH.test(input.recipientPath)) reject('RECIPIENT_PATH_INVALID', { field: 'recipientPath' });
      if (input.locale != null && !LOCALE.test(input.locale)) reject('LOCALE_INVALID', { field: 'locale', params: { locale: input.locale.slice(0, 20) } });
      if (!(await templatesStore.byKey(em, input.templateKey, input.channel))) reject('TEMPLATE_NOT_FOUND', { field: 'templateKey', params: { key: input.templateKey } });
      const rule = await rulesStore.insert(em, { tenantId: auth.tenantId, subject, templateKey: input.templateKey, channel: input.channel, recipientPath: input.recipientPath, locale: input.locale ?? null });
      await this.announce(em, caller, rule, 'CREATED');
      return { rule };
    }), { rule: null });
  }

  async setEnabled(caller: Caller, input: { id: string; enabled: boolean }) {
    const auth = requireRole(caller.auth, ...RULE_ADMINS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const rule = isUuid(input.id) ? await rulesStore.setEnabled(em, input.id, input.enabled) : null;
      if (!rule) return reject('RULE_NOT_FOUND', { field: 'id' });
      await this.announce(em, caller, rule, input.enabled ? 'ENABLED' : 'DISABLED');
      return { rule };
    }), { rule: null });
  }

  private announce(em: Em, caller: Caller, rule: Rule, change: 'CREATED' | 'ENABLED' | 'DISABLED') {
    return this.outbox.publish(em, 'notifications.rule.changed', { ruleId: rule.id, subject: rule.subject, templateKey: rule.templateKey, channel: rule.channel, enabled: rule.enabled, change }, { tenantId: caller.auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
  }

  async list(caller: Caller): Promise<Rule[]> {
    const auth = requireRole(caller.auth, ...RULE_ADMINS);
    return inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => rulesStore.list(em));
  }

  /**
   * One event, in its tenant's transaction: every enabled rule of its subject queues one message
   * (due at once); the sweeper delivers it after the consumer's transaction commits.
   */
  async apply(em: Em, event: EventEnvelope): Promise<void> {
    if (!event.tenantId) return;
    const rules = await rulesStore.forSubject(em, event.subject);
    if (rules.length === 0) return;
    let queued = false;
    for (const rule of rules) {
      const raw = at(event.data, rule.recipientPath);
      const recipient = typeof raw === 'string' ? normaliseRecipient(rule.channel, raw) : null;
      if (!recipient || 'problem' in recipient) {
        log.warn({ rule: rule.id, event: event.id, subject: event.subject }, 'rule skipped: no valid recipient at its path');
        continue;
      }
      const template = await templatesStore.byKey(em, rule.templateKey, rule.channel);
      const version = template ? await templatesStore.version(em, template.id, template.currentVersion) : null;
      // The template's declared variables are taken from the event data's fields of the same name.
      const variables = Object.fromEntries((version?.variables ?? []).map((name) => [name, at(event.data, name)]).filter(([, v]) => v !== undefined));
      try {
        const sent = await this.requests.sendIn(em, {
          tenantId: event.tenantId, actor: SYSTEM_ACTOR, requestId: event.requestId ?? null, createdBy: null, source: 'RULE', idempotencyKey: `rule:${rule.id}:${event.id}`,
          channel: rule.channel, recipient: recipient.value, templateKey: rule.templateKey, locale: rule.locale, variables,
          recipientUserId: recipientUserOf(event.data, rule.recipientPath),
        });
        queued ||= sent.request.status === 'QUEUED';
      } catch (e) {
        // A template that no longer fits the event (archived, missing variable): logged, not retried forever.
        if (!(e instanceof Rejected)) throw e;
        log.warn({ rule: rule.id, event: event.id, codes: e.userErrors.map((u) => u.code) }, 'rule skipped: template refused the event');
      }
    }
    if (queued) this.requests.kickDelivery();
  }
}
