import { checkVariables, escapeHtml, localeChain, pickBody, placeholdersOf, render } from './render';

describe('template rendering', () => {
  const bodies = [
    { locale: 'en', subject: 'Hello {{name}}', body: '<p>Hi {{name}}</p>' },
    { locale: 'es', subject: 'Hola {{name}}', body: '<p>Hola {{ name }}</p>' },
  ];

  test('the locale chain goes from region to language to English', () => {
    expect(localeChain('es-EC')).toEqual(['es-EC', 'es', 'en']);
    expect(localeChain('en')).toEqual(['en']);
    expect(localeChain(null)).toEqual(['en']);
    expect(pickBody(bodies, 'es-EC')?.locale).toBe('es');
    expect(pickBody(bodies, 'fr')?.locale).toBe('en');
    expect(pickBody([{ locale: 'es', subject: null, body: 'x' }], 'fr')).toBeNull();
  });

  test('placeholders are found with or without spaces', () => {
    expect(placeholdersOf('{{a}} {{ b }} {{a}}')).toEqual(['a', 'b']);
  });

  test('a missing variable is an error, not an empty string; undeclared variables are refused', () => {
    expect(checkVariables(['name'], {})).toEqual({ problem: { kind: 'MISSING_VARIABLE', name: 'name' } });
    expect(checkVariables(['name'], { name: 'A', extra: 1 })).toEqual({ problem: { kind: 'UNDECLARED_VARIABLE', name: 'extra' } });
    expect(checkVariables(['name'], { name: { x: 1 } })).toEqual({ problem: { kind: 'BAD_VARIABLE_VALUE', name: 'name' } });
    expect(checkVariables(['n'], { n: 3 })).toEqual({ values: { n: '3' } });
  });

  test('e-mail bodies escape HTML in values; SMS bodies do not', () => {
    const email = render('EMAIL', bodies[0]!, { name: '<b>Ana & "Bo"</b>' });
    expect(email.body).toBe('<p>Hi &lt;b&gt;Ana &amp; &quot;Bo&quot;&lt;/b&gt;</p>');
    expect(email.subject).toBe('Hello <b>Ana & "Bo"</b>');
    const sms = render('SMS', bodies[1]!, { name: '<b>' });
    expect(sms).toMatchObject({ body: '<p>Hola <b></p>', subject: null, locale: 'es' });
    expect(sms.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(escapeHtml("'")).toBe('&#39;');
  });
});
