/**
 * The notifications subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * startNotifications(), the in-process starter of tests and the e2e harness.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { envInt } from '@imagy/platform/config';
import { catalogueIn, combineResolvers, DateTimeScalar, JSONScalar, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type SubgraphInstanceDepsBase } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import { ChannelsService } from './channels/channels.service';
import { deriveKeys, loadOrCreateSecretKey } from './common/secrets';
import type { NotificationsExtra, NotificationsServices } from './context';
import { StatusCallbacks } from './delivery/callbacks';
import { callbackRoutes } from './delivery/callbacks.route';
import { SnsVerifier } from './delivery/sns';
import { DeliveryService } from './delivery/delivery.service';
import { DEFAULT_DISPATCH_POLICY, Dispatcher, parseSchedule, type DispatchPolicy } from './delivery/dispatcher';
import { onDomainEvent } from './events/on-domain-event';
import { messages } from './i18n/messages';
import { createLoaders } from './loaders';
import { MailboxService } from './mailbox/mailbox.service';
import { DEFAULT_OTP_POLICY, OtpService, type OtpPolicy } from './otp/otp.service';
import { otpResolvers } from './otp/otp.resolvers';
import { otpRpc } from './otp/otp.rpc';
import { PreferencesService } from './preferences/preferences.service';
import { requestResolvers } from './requests/requests.resolvers';
import { requestsRpc } from './requests/requests.rpc';
import { RequestsService } from './requests/requests.service';
import { ruleResolvers } from './rules/rules.resolvers';
import { RULE_DOMAINS, RulesService } from './rules/rules.service';
import { templateResolvers } from './templates/templates.resolvers';
import { TemplatesService } from './templates/templates.service';

export const resolvers = combineResolvers<Resolvers>(templateResolvers, requestResolvers, ruleResolvers, otpResolvers, { DateTime: DateTimeScalar, JSON: JSONScalar }, userErrorResolvers(messages));

export interface NotificationsOptions {
  /** 32 bytes: seals provider credentials and keys recipient hashes. */
  secretKey: Buffer;
  /** Outbound calls to tenant-supplied URLs may reach private and loopback addresses (tests, local dev). */
  allowPrivateUrls: boolean;
  outboundTimeoutMs: number;
  dispatch: DispatchPolicy;
  otp: OtpPolicy;
  /** URL prefixes besides https://sns.<region>.amazonaws.com/ from which SNS signing certificates may be fetched (tests). */
  snsCertUrlPrefixes: string[];
}

const flag = (name: string) => ['1', 'true', 'yes'].includes((process.env[name] ?? '').toLowerCase());

export function notificationsOptionsFromEnv(): NotificationsOptions {
  return {
    secretKey: loadOrCreateSecretKey(),
    allowPrivateUrls: flag('NOTIFICATIONS_ALLOW_PRIVATE_URLS'),
    outboundTimeoutMs: envInt('NOTIFICATIONS_OUTBOUND_TIMEOUT_MS', 10_000),
    dispatch: {
      maxAttempts: envInt('NOTIFICATIONS_MAX_ATTEMPTS', DEFAULT_DISPATCH_POLICY.maxAttempts),
      initialDelayMs: envInt('NOTIFICATIONS_RETRY_INITIAL_MS', DEFAULT_DISPATCH_POLICY.initialDelayMs),
      maxDelayMs: envInt('NOTIFICATIONS_RETRY_MAX_MS', DEFAULT_DISPATCH_POLICY.maxDelayMs),
      breakerThreshold: envInt('NOTIFICATIONS_BREAKER_THRESHOLD', DEFAULT_DISPATCH_POLICY.breakerThreshold),
      halfOpenAfterMs: envInt('NOTIFICATIONS_BREAKER_HALF_OPEN_MS', DEFAULT_DISPATCH_POLICY.halfOpenAfterMs),
      retryScheduleMs: process.env.NOTIFICATIONS_RETRY_SCHEDULE ? parseSchedule(process.env.NOTIFICATIONS_RETRY_SCHEDULE) : DEFAULT_DISPATCH_POLICY.retryScheduleMs,
      retryJitter: envInt('NOTIFICATIONS_RETRY_JITTER_PERCENT', DEFAULT_DISPATCH_POLICY.retryJitter * 100) / 100,
      leaseMs: envInt('NOTIFICATIONS_DELIVERY_LEASE_MS', DEFAULT_DISPATCH_POLICY.leaseMs),
      sweepMs: envInt('NOTIFICATIONS_SWEEP_MS', DEFAULT_DISPATCH_POLICY.sweepMs),
      sweepBatch: envInt('NOTIFICATIONS_SWEEP_BATCH', DEFAULT_DISPATCH_POLICY.sweepBatch),
    },
    otp: DEFAULT_OTP_POLICY,
    snsCertUrlPrefixes: (process.env.NOTIFICATIONS_SNS_CERT_URL_PREFIXES ?? '').split(',').map((p) => p.trim()).filter(Boolean),
  };
}

export const RULES_CONSUMER = 'notifications-rules';

export const notifications = defineSubgraph<NotificationsServices, NotificationsExtra, NotificationsOptions>({
  name: 'notifications',
  port: 4006,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  optionsFromEnv: notificationsOptionsFromEnv,
  services: ({ orm, outbox, options, log }) => {
    const keys = deriveKeys(options.secretKey);
    const templates = new TemplatesService(orm, outbox);
    const channels = new ChannelsService(orm, outbox, keys.encryption);
    const dispatcher = new Dispatcher(options.dispatch, { allowPrivate: options.allowPrivateUrls, timeoutMs: options.outboundTimeoutMs }, orm);
    const delivery = new DeliveryService(orm, outbox, dispatcher, channels, keys.encryption, options.dispatch, log.child({ component: 'delivery' }));
    const requests = new RequestsService(orm, templates, channels, delivery, keys.recipients);
    return {
      templates,
      requests,
      delivery,
      channels,
      mailbox: new MailboxService(orm),
      preferences: new PreferencesService(orm, outbox, keys.recipients),
      rules: new RulesService(orm, outbox, requests),
      otp: new OtpService(orm, outbox, templates, requests, keys.recipients, options.otp),
      callbacks: new StatusCallbacks(orm, outbox, channels, new SnsVerifier(options.snsCertUrlPrefixes, options.outboundTimeoutMs)),
    };
  },
  consumers: (_rt, { rules }) => [{ name: RULES_CONSUMER, domains: [...RULE_DOMAINS], handler: onDomainEvent(rules) }],
  rpc: ({ orm }, { otp, requests }) => [...otpRpc(otp), ...requestsRpc(orm, requests)],
  // Delivers due QUEUED requests: retries whose time came, rule sends, rounds cut short by a crash.
  jobs: [{ name: 'delivery-sweeper', start: (_rt, { delivery }) => delivery.start() }],
  routes: (app, _rt, { callbacks }) => callbackRoutes(callbacks)(app),
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createLoaders(services.templates, services.requests, base.auth) }),
});

export type NotificationsTestOptions = Partial<Omit<NotificationsOptions, 'dispatch' | 'otp'>> & { dispatch?: Partial<DispatchPolicy>; otp?: Partial<OtpPolicy> };

/** In-process start (tests, e2e harness): a random secret key and fast retries unless given. */
export function startNotifications(deps: SubgraphInstanceDepsBase & { options?: NotificationsTestOptions }) {
  const { options = {}, ...rest } = deps;
  return startSubgraphInstance(notifications, {
    ...rest,
    options: {
      secretKey: options.secretKey ?? crypto.randomBytes(32),
      allowPrivateUrls: options.allowPrivateUrls ?? false,
      outboundTimeoutMs: options.outboundTimeoutMs ?? 5_000,
      dispatch: { ...DEFAULT_DISPATCH_POLICY, initialDelayMs: 20, maxDelayMs: 200, ...options.dispatch },
      otp: { ...DEFAULT_OTP_POLICY, ...options.otp },
      snsCertUrlPrefixes: options.snsCertUrlPrefixes ?? [],
    },
  });
}

export type RunningNotifications = Awaited<ReturnType<typeof startNotifications>>;
