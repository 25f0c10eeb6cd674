import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { apiTypes, apiTypesFile } from './api-types.ts';

describe('web/src/api/openapi.d.ts', () => {
  it("is what openapi-typescript makes of the server's OpenAPI document now (else: npm run -w web gen:api)", async () => {
    const generated = await apiTypes();
    expect(generated).toContain('FlowView: {');
    expect(await readFile(apiTypesFile, 'utf8')).toBe(generated);
  });
});
