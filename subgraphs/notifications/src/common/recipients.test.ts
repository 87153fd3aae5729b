import { maskRecipient, normaliseRecipient, recipientHash } from './recipients';

describe('recipients', () => {
  test('e-mail and E.164 phones are validated and normalised', () => {
    expect(normaliseRecipient('EMAIL', ' Ana@Example.COM ')).toEqual({ value: 'ana@example.com' });
    expect(normaliseRecipient('EMAIL', 'not-an-email')).toEqual({ problem: 'INVALID_EMAIL' });
    expect(normaliseRecipient('EMAIL', 'a\u202e@example.com')).toEqual({ problem: 'INVALID_EMAIL' });
    expect(normaliseRecipient('SMS', '+593991234567')).toEqual({ value: '+593991234567' });
    expect(normaliseRecipient('SMS', '0991234567')).toEqual({ problem: 'INVALID_PHONE' });
    expect(normaliseRecipient('WHATSAPP', '+1555')).toEqual({ problem: 'INVALID_PHONE' });
    expect(normaliseRecipient('SMS', '+99912345678')).toEqual({ problem: 'INVALID_PHONE' });
    expect(normaliseRecipient('WEBHOOK', 'ftp://x.example.com')).toEqual({ problem: 'INVALID_WEBHOOK_URL' });
  });

  test('the log form hides most of the recipient', () => {
    expect(maskRecipient('EMAIL', 'ana@example.com')).toBe('a***@example.com');
    expect(maskRecipient('SMS', '+593991234567')).toBe('+5939****4567');
    expect(maskRecipient('WEBHOOK', 'https://hooks.example.com/secret/path')).toBe('https://hooks.example.com/…');
  });

  test('the recipient hash depends on the tenant and treats SMS and WhatsApp as one phone', () => {
    const key = Buffer.alloc(32, 1);
    expect(recipientHash(key, 't1', 'SMS', '+593991234567')).toBe(recipientHash(key, 't1', 'WHATSAPP', '+593991234567'));
    expect(recipientHash(key, 't1', 'SMS', '+593991234567')).not.toBe(recipientHash(key, 't2', 'SMS', '+593991234567'));
  });
});
