// The dashboard's drawing rules (webview/dashboard/drawing.ts): bars for sparse data, a log axis for a wide spread.
import { describe, expect, it } from 'vitest';
import { drawingFor, LOG_SPREAD, SPARSE_BUCKETS } from '../../webview/dashboard/drawing';

const zeros = (n: number) => Array.from({ length: n }, () => 0);
const withData = (n: number, at: number[]) => zeros(n).map((_, i) => (at.includes(i) ? 5 : 0));

describe('dashboard drawing', () => {
  it('draws bars when a single bucket has data, even among many empty ones', () => {
    expect(drawingFor([withData(28, [27]), zeros(28)], {}).bars).toBe(true);
  });

  it('draws lines once more buckets than SPARSE_BUCKETS have data', () => {
    const spots = Array.from({ length: SPARSE_BUCKETS + 1 }, (_, i) => i * 2);
    expect(drawingFor([withData(28, spots)], {}).bars).toBe(false);
  });

  it('counts gaps (null) in average series as empty buckets', () => {
    expect(drawingFor([[null, null, 40, null, null, null, null]], {}).bars).toBe(true);
  });

  it('keeps bars for a chart that always draws them', () => {
    expect(drawingFor([withData(10, [0, 1, 2, 3, 4, 5, 6])], { bars: true }).bars).toBe(true);
  });

  it(`turns the axis logarithmic from a ${LOG_SPREAD}× spread, only where the chart allows it`, () => {
    const slowAndFast = [[50, 52, null], [null, 500, 510]];
    expect(drawingFor(slowAndFast, { logWhenSpread: true }).log).toBe(true);
    expect(drawingFor(slowAndFast, {}).log).toBe(false);
    expect(drawingFor([[50, 52], [88, 90]], { logWhenSpread: true }).log).toBe(false);
  });

  it('ignores zeros and gaps when measuring the spread', () => {
    expect(drawingFor([[0, 50, null, 60]], { logWhenSpread: true }).log).toBe(false);
  });
});
