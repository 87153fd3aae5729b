import { contrastRatio, logoProblem, MAX_LOGO_BYTES, normaliseColor, whiteContrast } from './branding.rules';

const dataUri = (type: string, bytes: Buffer | string) => `data:image/${type};base64,${Buffer.from(bytes).toString('base64')}`;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('branding rules', () => {
  test('colours are #rrggbb, #rgb is expanded, anything else is refused', () => {
    expect(normaliseColor(' #1F4E79 ')).toBe('#1f4e79');
    expect(normaliseColor('#fa0')).toBe('#ffaa00');
    for (const bad of ['1f4e79', '#1f4e7', '#1f4e79ff', 'red', 'rgb(0,0,0)', '#ggg']) expect(normaliseColor(bad)).toBeNull();
  });

  test('contrast follows WCAG 2.x: black on white is 21, white on white 1, and the default primary passes AA', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#ffffff', '#ffffff')).toBe(1);
    expect(whiteContrast('#1f4e79')).toBeGreaterThanOrEqual(4.5);
    // #767676 is the lightest grey with AA on white (4.54); #777777 is just below (4.48).
    expect(whiteContrast('#767676')).toBeGreaterThanOrEqual(4.5);
    expect(whiteContrast('#777777')).toBeLessThan(4.5);
  });

  test('logos: https URLs and data URIs whose bytes are the declared image, at most 64 KiB, SVG without script', () => {
    expect(logoProblem('https://cdn.example.com/logo.svg')).toBeNull();
    expect(logoProblem(dataUri('png', Buffer.concat([PNG_SIGNATURE, Buffer.alloc(10)])))).toBeNull();
    expect(logoProblem(dataUri('jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])))).toBeNull();
    expect(logoProblem(dataUri('webp', Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')])))).toBeNull();
    expect(logoProblem(dataUri('svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>'))).toBeNull();

    expect(logoProblem('http://cdn.example.com/logo.png')).toBe('SCHEME');
    expect(logoProblem('ftp://cdn.example.com/logo.png')).toBe('SCHEME');
    expect(logoProblem('https://a:b@cdn.example.com/logo.png')).toBe('SCHEME');
    expect(logoProblem('data:image/gif;base64,R0lGODlh')).toBe('SCHEME');
    expect(logoProblem('data:image/png,rawtext')).toBe('SCHEME');
    expect(logoProblem(dataUri('png', '<html></html>'))).toBe('SCHEME');
    expect(logoProblem(dataUri('svg+xml', '<html><body>no svg</body></html>'))).toBe('SCHEME');

    expect(logoProblem(dataUri('png', Buffer.concat([PNG_SIGNATURE, Buffer.alloc(MAX_LOGO_BYTES - 8)])))).toBeNull();
    expect(logoProblem(dataUri('png', Buffer.concat([PNG_SIGNATURE, Buffer.alloc(MAX_LOGO_BYTES - 7)])))).toBe('TOO_LARGE');

    for (const body of ['<script>alert(1)</script>', '<SCRIPT >x</SCRIPT>', '<rect onload="x()"/>', '<rect\tONCLICK = "x()"/>', '<a href="javascript:x()"/>', '<foreignObject><p/></foreignObject>']) {
      expect(logoProblem(dataUri('svg+xml', `<svg xmlns="http://www.w3.org/2000/svg">${body}</svg>`))).toBe('UNSAFE');
    }
    expect(logoProblem(dataUri('svg+xml', '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'))).toBe('UNSAFE');
  });
});
