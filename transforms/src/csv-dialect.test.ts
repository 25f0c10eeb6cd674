import { describe, expect, it } from 'vitest';
import { resolveCsvDialect } from './csv-dialect.ts';
import { TransformError } from './errors.ts';

describe('resolveCsvDialect', () => {
  it('defaults to comma and double quote', () => {
    expect(resolveCsvDialect({})).toEqual({ delimiter: ',', quoteChar: '"' });
  });

  it('accepts tabs, multi-character delimiters and other quote characters', () => {
    expect(resolveCsvDialect({ delimiter: '\t', quoteChar: "'" })).toEqual({ delimiter: '\t', quoteChar: "'" });
    expect(resolveCsvDialect({ delimiter: '||' })).toEqual({ delimiter: '||', quoteChar: '"' });
  });

  it.each([
    [{ delimiter: '' }, 'delimiter'],
    [{ delimiter: '"' }, 'delimiter'],
    [{ delimiter: '\n' }, 'delimiter'],
    [{ delimiter: ',\r' }, 'delimiter'],
    [{ quoteChar: '' }, 'quoteChar'],
    [{ quoteChar: "''" }, 'quoteChar'],
    [{ quoteChar: '\n' }, 'quoteChar'],
  ])('refuses %j as config-invalid at %s', (options, path) => {
    expect(() => resolveCsvDialect(options)).toThrow(expect.objectContaining({ code: 'config_invalid', path }));
    expect(() => resolveCsvDialect(options)).toThrow(TransformError);
  });
});
