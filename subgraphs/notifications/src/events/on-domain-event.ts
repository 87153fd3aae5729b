/**
 * Consumer of the domain events rules can name (`notifications-rules`, domains in RULE_DOMAINS).
 * Runs in the consumer's transaction, in the event's tenant, after its inbox row was written: each
 * event has its effect once, even when JetStream delivers it again.
 */
import type { EventHandler } from '@imagy/platform/events';
import type { RulesService } from '../rules/rules.service';

export function onDomainEvent(rules: RulesService): EventHandler {
  return (em, envelope) => rules.apply(em, envelope);
}
