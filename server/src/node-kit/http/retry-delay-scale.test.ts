import { describe, expect, it } from 'vitest';
import { retryDelayScale } from './retry-delay-scale.ts';

describe('retryDelayScale', () => {
  it('is 1 unless BACKFLOW_RETRY_DELAY_SCALE holds a number from 0 to 1', () => {
    const scaleOf = (value: string | undefined) => retryDelayScale({ BACKFLOW_RETRY_DELAY_SCALE: value });
    expect(retryDelayScale({})).toBe(1);
    expect([undefined, '', '  ', 'fast', '2', '-0.5', 'Infinity', 'NaN'].map(scaleOf)).toEqual([
      1, 1, 1, 1, 1, 1, 1, 1,
    ]);
    expect(['0', '0.01', ' 0.5 ', '1', '1e-3'].map(scaleOf)).toEqual([0, 0.01, 0.5, 1, 0.001]);
  });
});
