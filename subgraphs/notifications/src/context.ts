/** What notifications's resolvers see per request (graphql-codegen's contextType points here). */
import type { BaseContext, Caller } from '@imagy/platform/server';
import type { LocaleContext } from '@imagy/platform/graphql';
import type { ChannelsService } from './channels/channels.service';
import type { StatusCallbacks } from './delivery/callbacks';
import type { DeliveryService } from './delivery/delivery.service';
import type { Loaders } from './loaders';
import type { MailboxService } from './mailbox/mailbox.service';
import type { OtpService } from './otp/otp.service';
import type { PreferencesService } from './preferences/preferences.service';
import type { RequestsService } from './requests/requests.service';
import type { RulesService } from './rules/rules.service';
import type { TemplatesService } from './templates/templates.service';

export interface NotificationsServices {
  templates: TemplatesService;
  requests: RequestsService;
  delivery: DeliveryService;
  channels: ChannelsService;
  mailbox: MailboxService;
  preferences: PreferencesService;
  rules: RulesService;
  otp: OtpService;
  callbacks: StatusCallbacks;
}

export interface NotificationsExtra {
  caller: Caller;
  services: NotificationsServices;
  loaders: Loaders;
}

export type NotificationsContext = BaseContext & NotificationsExtra & LocaleContext;
