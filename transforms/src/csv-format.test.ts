import { describe, expect, it } from 'vitest';
import { createCsvFormatter } from './csv-format.ts';
import { createCsvParser } from './csv-parse.ts';

describe('createCsvFormatter', () => {
  const columns = ['id', 'text', 'amount', 'flag', 'meta', 'missing'];

  it('writes a header line and one line per record, quoting only what needs it', () => {
    const csv = createCsvFormatter();
    const records = [
      { id: 1, text: 'plain', amount: 12345678901234567890n, flag: true, meta: { a: [1, null] }, missing: null },
      { id: 2, text: 'a, "quoted"\r\nnext line', amount: -0.5, flag: false, meta: ['x'] },
      { id: 3, text: ' padded ', amount: 1e21, flag: null, meta: 'Zoë 😀' },
    ];
    expect(csv.header(columns)).toBe('id,text,amount,flag,meta,missing\n');
    expect(csv.rows(records, columns)).toBe(
      [
        '1,plain,12345678901234567890,true,"{""a"":[1,null]}",\n',
        '2,"a, ""quoted""\r\nnext line",-0.5,false,"[""x""]",\n',
        '3," padded ",1000000000000000000000,,Zoë 😀,\n',
      ].join(''),
    );
  });

  it('writes an empty string as "" so it reads back apart from null', () => {
    const csv = createCsvFormatter();
    const records = [{ a: '', b: null, c: '\uFEFFbom', d: 'x' }];
    const text = csv.header(['a', 'b', 'c', 'd']) + csv.rows(records, ['a', 'b', 'c', 'd']);
    expect(text).toBe('a,b,c,d\n"",,"\uFEFFbom",x\n');
    const parser = createCsvParser();
    expect([...parser.write(text).records, ...parser.end().records]).toEqual(records);
  });

  it('round-trips nasty strings through createCsvParser', () => {
    const records = [
      { name: 'multi\nline\r\nand "quotes", commas', note: '😀𝄞 astral' },
      { name: '"', note: '=cmd' },
      { name: ',', note: '\r' },
    ];
    const csv = createCsvFormatter({ newline: '\r\n' });
    const text = csv.header(['name', 'note']) + csv.rows(records, ['name', 'note']);
    const parser = createCsvParser();
    const parsed = [...parser.write(text).records, ...parser.end().records];
    expect(parsed).toEqual(records);
  });

  it('escapes formulae in text cells but not numbers, including numbers travelling as text', () => {
    const csv = createCsvFormatter({ escapeFormulae: true });
    const record = { a: '=SUM(A1)', b: '+1+2', c: '-2+3', d: '@x', e: '\tx', f: -5, g: '-42', h: '-1.5e3', i: 'ok' };
    const names = Object.keys(record);
    expect(csv.rows([record], names)).toBe(`"'=SUM(A1)","'+1+2","'-2+3","'@x","'\tx",-5,-42,-1.5e3,ok\n`);
  });

  it('quotes everything but null fields with quoteAll, and honours delimiter, quote and header options', () => {
    const csv = createCsvFormatter({ quoteAll: true, delimiter: ';', quoteChar: "'", header: false, newline: '\r\n' });
    expect(csv.header(['a', 'b'])).toBe('');
    expect(csv.rows([{ a: "it's", b: null, c: 'ignored' }, { a: 1 }], ['a', 'b'])).toBe("'it''s';\r\n'1';\r\n");
  });

  it('reads only own fields, so inherited names are empty', () => {
    const csv = createCsvFormatter();
    expect(csv.rows([{ a: 1 }], ['__proto__', 'constructor', 'toString', 'a'])).toBe(',,,1\n');
  });

  it('returns nothing for no records, and works as an unbound function', () => {
    const { rows } = createCsvFormatter();
    expect(rows([], ['a'])).toBe('');
    expect(rows([{ a: 'x' }], ['a'])).toBe('x\n');
  });
});
