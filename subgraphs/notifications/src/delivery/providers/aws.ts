/**
 * AWS adapters on the official SDK v3 clients: SES v2 (`SendEmail`, e-mail) and SNS (`Publish` to a
 * phone number, SMS). Settings: `region`, optional `endpoint` (another SES/SNS-compatible endpoint:
 * it is tenant-supplied, so its host must pass the outbound rules), e-mail `from` and optional
 * `configurationSet`, SMS `senderId`; credentials: `accessKeyId`, `secretAccessKey`. The SDK's own
 * retries are off (`maxAttempts: 1`): the dispatcher retries, fails over and logs every attempt.
 * Throttling and 5xx retry; other errors fail over.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { resolveAllowed, type OutboundPolicy } from '../../common/outbound';
import { ProviderError, str, type ProviderAdapter } from './provider';

interface AwsError { name?: string; message?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } }

const THROTTLING = new Set(['ThrottlingException', 'TooManyRequestsException', 'Throttling', 'ThrottledException', 'LimitExceededException']);

function awsFailure(e: unknown): ProviderError {
  if (e instanceof ProviderError) return e;
  const err = e as AwsError;
  const status = err.$metadata?.httpStatusCode ?? null;
  const retryable = THROTTLING.has(err.name ?? '') || !!err.$retryable || status === null || status >= 500 || status === 429;
  return new ProviderError(`${err.name ?? 'AWS error'}${status ? ` (HTTP ${status})` : ''}`, retryable, status);
}

function checkAws(settings: Record<string, unknown>, credentials: Record<string, unknown>): string | null {
  if (!str(settings.region)) return 'settings.region is required';
  if (settings.endpoint !== undefined) {
    try { new URL(String(settings.endpoint)); } catch { return 'settings.endpoint must be a URL'; }
  }
  if (!str(credentials.accessKeyId) || !str(credentials.secretAccessKey)) return 'credentials.accessKeyId and credentials.secretAccessKey are required';
  return null;
}

async function clientConfig(settings: Record<string, unknown>, credentials: Record<string, unknown>, outbound: OutboundPolicy) {
  const endpoint = str(settings.endpoint);
  if (endpoint) {
    try {
      await resolveAllowed(outbound, new URL(endpoint).hostname.replace(/^\[|\]$/g, ''));
    } catch (e) {
      throw new ProviderError((e as Error).message, false);
    }
  }
  return {
    region: str(settings.region) ?? 'us-east-1',
    endpoint: endpoint ?? undefined,
    credentials: { accessKeyId: str(credentials.accessKeyId) ?? '', secretAccessKey: str(credentials.secretAccessKey) ?? '' },
    maxAttempts: 1,
    requestHandler: { requestTimeout: outbound.timeoutMs, connectionTimeout: outbound.timeoutMs },
  };
}

export const sesProvider: ProviderAdapter = {
  name: 'ses',
  channels: ['EMAIL'],
  check(settings, credentials) {
    const topic = settings.snsTopicArn;
    if (topic !== undefined && (typeof topic !== 'string' || !/^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topic))) return 'settings.snsTopicArn must be an SNS topic ARN';
    return checkAws(settings, credentials) ?? (str(settings.from) ? null : 'settings.from is required');
  },
  async send(message, { settings, credentials, outbound }) {
    const client = new SESv2Client(await clientConfig(settings, credentials, outbound));
    try {
      const out = await client.send(new SendEmailCommand({
        FromEmailAddress: str(settings.from) ?? undefined,
        Destination: { ToAddresses: [message.recipient] },
        ConfigurationSetName: str(settings.configurationSet) ?? undefined,
        Content: { Simple: { Subject: { Data: message.subject ?? '', Charset: 'UTF-8' }, Body: { Html: { Data: message.body, Charset: 'UTF-8' } } } },
        EmailTags: [{ Name: 'imagy-request', Value: message.requestId }],
      }));
      return { providerMessageId: out.MessageId ?? null };
    } catch (e) {
      throw awsFailure(e);
    } finally {
      client.destroy();
    }
  },
};

export const snsProvider: ProviderAdapter = {
  name: 'sns',
  channels: ['SMS'],
  check: checkAws,
  async send(message, { settings, credentials, outbound }) {
    const client = new SNSClient(await clientConfig(settings, credentials, outbound));
    const senderId = str(settings.senderId);
    try {
      const out = await client.send(new PublishCommand({
        PhoneNumber: message.recipient,
        Message: message.body,
        MessageAttributes: {
          'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
          ...(senderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: senderId } } : {}),
        },
      }));
      return { providerMessageId: out.MessageId ?? null };
    } catch (e) {
      throw awsFailure(e);
    } finally {
      client.destroy();
    }
  },
};
