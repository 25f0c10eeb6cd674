import { describe, expect, it } from 'vitest';
import { datetimeMinus, isSoqlName, soqlDatetimeFloor, soqlString } from './soql.ts';

describe('SOQL text', () => {
  it('lets field, relationship and custom object names through and nothing else', () => {
    for (const name of ['Name', 'Account.Owner.Name', 'External_Id__c', 'Custom__c'])
      expect(isSoqlName(name)).toBe(true);
    for (const name of [
      'Name, (SELECT Id FROM Contacts)',
      "Id' OR Name != '",
      '1Name',
      'Name--',
      '',
      'Account..Name',
    ]) {
      expect(isSoqlName(name)).toBe(false);
    }
  });

  it('escapes quotes and backslashes in string literals', () => {
    expect(soqlString("O'Brien \\ co")).toBe("'O\\'Brien \\\\ co'");
  });

  it('floors a datetime to the whole second SOQL literals can hold', () => {
    expect(soqlDatetimeFloor('2024-05-01T10:20:30.456+0000')).toBe('2024-05-01T10:20:30Z');
    expect(soqlDatetimeFloor('2024-05-01T10:20:30.000Z')).toBe('2024-05-01T10:20:30Z');
    expect(soqlDatetimeFloor('2024-05-01T00:00:00.999+0200')).toBe('2024-04-30T22:00:00Z');
  });

  it('moves a datetime back by a lookback, in the REST form', () => {
    expect(datetimeMinus('2024-05-01T10:20:30.456+0000', 90)).toBe('2024-05-01T10:19:00.456+0000');
    expect(datetimeMinus('2024-01-01T00:00:10.000+0000', 0.5)).toBe('2024-01-01T00:00:09.500+0000');
  });
});
