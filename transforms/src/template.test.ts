import { describe, expect, it } from 'vitest';
import { compileTemplate } from './template.ts';

describe('compileTemplate', () => {
  const record = {
    first_name: 'Zoë',
    address: { city: 'Zürich 😀' },
    'flat.key': 'flat',
    count: 12345678901234567890n,
    tags: ['a', 'b'],
    missing: null,
  };

  it('fills placeholders with field values and dotted paths', () => {
    expect(compileTemplate('Hi {first_name} from { address.city }!', 'set.greeting')(record)).toBe(
      'Hi Zoë from Zürich 😀!',
    );
  });

  it('shows numbers, objects, null and missing fields as text', () => {
    const fill = compileTemplate('{count}|{tags}|{missing}|{nope}|{flat.key}|{__proto__}', 'set.x');
    expect(fill(record)).toBe('12345678901234567890|["a","b"]|||flat|');
  });

  it('reads {{ and }} as literal braces', () => {
    expect(compileTemplate('{{"name": "{first_name}"}}', 'set.x')(record)).toBe('{"name": "Zoë"}');
    expect(compileTemplate('no placeholders', 'set.x')(record)).toBe('no placeholders');
  });

  it.each([
    ['Hi {first_name', "set.greeting: placeholder at position 4 needs a field name and a closing '}'"],
    ['Hi {}', "set.greeting: placeholder at position 4 needs a field name and a closing '}'"],
    ['Hi {a{b}', "set.greeting: placeholder at position 4 needs a field name and a closing '}'"],
    ['Hi }', "set.greeting: unexpected '}' at position 4"],
  ])('refuses the malformed template %j', (template, message) => {
    expect(() => compileTemplate(template, 'set.greeting')).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        path: 'set.greeting',
        message: expect.stringContaining(message),
      }),
    );
  });
});
