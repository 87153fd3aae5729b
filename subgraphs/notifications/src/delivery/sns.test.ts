import { parseSnsMessage, sesReportOf, snsStringToSign, snsUrlAllowed } from './sns';

describe('SNS message verification inputs', () => {
  test('only HTTPS Amazon SNS hosts (or configured prefixes) may serve certificates', () => {
    expect(snsUrlAllowed('https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem', [])).toBe(true);
    expect(snsUrlAllowed('https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem', [])).toBe(true);
    expect(snsUrlAllowed('http://sns.us-east-1.amazonaws.com/x.pem', [])).toBe(false);
    expect(snsUrlAllowed('https://sns.us-east-1.amazonaws.com.evil.test/x.pem', [])).toBe(false);
    expect(snsUrlAllowed('https://evil.test/sns.us-east-1.amazonaws.com/x.pem', [])).toBe(false);
    expect(snsUrlAllowed('https://user@sns.us-east-1.amazonaws.com/x.pem', [])).toBe(false);
    expect(snsUrlAllowed('https://sns.us-east-1.amazonaws.com:8443/x.pem', [])).toBe(false);
    expect(snsUrlAllowed('http://127.0.0.1:9/cert.pem', ['http://127.0.0.1:9/'])).toBe(true);
    expect(snsUrlAllowed('http://127.0.0.1:9/cert.pem', ['', 'http://127.0.0.1:10/'])).toBe(false);
  });

  test('the string to sign follows the documented field order per message type', () => {
    const base = { MessageId: 'm-1', TopicArn: 'arn:aws:sns:us-east-1:123456789012:t', Message: 'hello\nworld', Timestamp: '2026-12-07T10:00:00.000Z', SignatureVersion: '2', Signature: 'x', SigningCertURL: 'https://sns.us-east-1.amazonaws.com/c.pem' };
    expect(snsStringToSign({ ...base, Type: 'Notification' })).toBe('Message\nhello\nworld\nMessageId\nm-1\nTimestamp\n2026-12-07T10:00:00.000Z\nTopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nNotification\n');
    expect(snsStringToSign({ ...base, Type: 'Notification', Subject: 'S' })).toContain('MessageId\nm-1\nSubject\nS\nTimestamp\n');
    expect(snsStringToSign({ ...base, Type: 'SubscriptionConfirmation', SubscribeURL: 'https://u', Token: 'tk' }))
      .toBe('Message\nhello\nworld\nMessageId\nm-1\nSubscribeURL\nhttps://u\nTimestamp\n2026-12-07T10:00:00.000Z\nToken\ntk\nTopicArn\narn:aws:sns:us-east-1:123456789012:t\nType\nSubscriptionConfirmation\n');
  });

  test('malformed messages and SES events are refused', () => {
    expect(parseSnsMessage('not json')).toBeNull();
    expect(parseSnsMessage(JSON.stringify({ Type: 'Notification' }))).toBeNull();
    expect(parseSnsMessage(JSON.stringify({ Type: 'SubscriptionConfirmation', MessageId: 'a', TopicArn: 'b', Message: 'c', Timestamp: 'd', SignatureVersion: '1', Signature: 'e', SigningCertURL: 'f' }))).toBeNull();
    expect(sesReportOf('{"eventType":"Delivery","mail":{"messageId":"x"}}')).toEqual({ messageId: 'x', status: 'DELIVERED', detail: null });
    expect(sesReportOf('{"notificationType":"Complaint","mail":{"messageId":"x"}}')).toBeNull();
    expect(sesReportOf('{"notificationType":"Delivery","mail":{}}')).toBeNull();
    expect(sesReportOf('[]')).toBeNull();
  });
});
