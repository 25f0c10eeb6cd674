import { describe, expect, it } from 'vitest';
import warehouseBackup from '../../../examples/warehouse-backup.json';
import { parseFlowFile } from './import-flow.ts';

describe('parseFlowFile', () => {
  it('reads an exported flow exactly as written', () => {
    const text = JSON.stringify(warehouseBackup, null, 2);
    expect(parseFlowFile(text)).toEqual(warehouseBackup);
  });

  it('says why a file is not a flow', () => {
    expect(() => parseFlowFile('{"name": "x",')).toThrow(/^not JSON/);
    expect(() => parseFlowFile('[1, 2]')).toThrow('a flow file holds one JSON object');
    expect(() => parseFlowFile('{"nodes": [], "edges": []}')).toThrow('it has no "name"');
    expect(() => parseFlowFile('{"name": "x", "edges": []}')).toThrow('it has no "nodes" list');
  });
});
