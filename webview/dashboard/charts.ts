// The dashboard's time-series charts, drawn with uPlot on canvas. Colours come from VS Code's theme
// variables (read at draw time), so a theme change only needs a redraw; each chart follows its
// container's width through a ResizeObserver. uPlot styles its own elements through the CSSOM
// (element.style), which the page's CSP allows; it injects no <style> and evaluates no code.

import uPlot from 'uplot';
import type { DashboardData } from '../../src/shared/dashboard';
import { drawingFor, type Drawing } from './drawing';
import { formatCount, formatMs, formatShare, formatTps } from './format';

export type ChartId = 'routes' | 'tokensSaved' | 'outcomes' | 'nodeTtft' | 'nodeTps' | 'learning';

/** VS Code's chart palette, with Dark Modern's values as fallbacks outside VS Code. */
const PALETTE = {
  blue: ['--vscode-charts-blue', '#3794ff'],
  green: ['--vscode-charts-green', '#89d185'],
  yellow: ['--vscode-charts-yellow', '#cca700'],
  orange: ['--vscode-charts-orange', '#d18616'],
  red: ['--vscode-charts-red', '#f14c4c'],
  purple: ['--vscode-charts-purple', '#b180d7'],
} as const;
type PaletteColor = keyof typeof PALETTE;
const NODE_COLORS: PaletteColor[] = ['blue', 'green', 'purple', 'orange', 'yellow', 'red'];

const CHART_HEIGHT = 200;
/** Tick steps for counts: 1, 2, 5, 10, 20, 50, … */
const INTEGER_INCRS = Array.from({ length: 10 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();

interface SeriesSpec {
  label: string;
  color: PaletteColor;
  values: (number | null)[];
}

interface ChartSpec {
  buckets: number[];
  /** Bucket width in ms (a single bucket has no neighbour to measure it from). */
  step: number;
  series: SeriesSpec[];
  /** Bars whatever the data (per-bucket totals); other charts draw bars only when sparse (drawing.ts). */
  bars?: boolean;
  /** A logarithmic y axis when the values spread over an order of magnitude (drawing.ts). */
  logWhenSpread?: boolean;
  fill?: boolean;
  /** Whole numbers only (request and token counts): no 0.5 ticks. */
  integer?: boolean;
  format: (v: number) => string;
}

interface Theme {
  foreground: string;
  grid: string;
  font: string;
  color(name: PaletteColor): string;
  /** Every value above, to tell whether the theme changed. */
  signature: string;
}

/** Reads the theme now: called for every draw, so a redraw after a theme change picks up the new colours. */
export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const foreground = read('--vscode-foreground', '#cccccc');
  const family = read('--vscode-font-family', 'system-ui, sans-serif');
  const size = parseFloat(read('--vscode-font-size', '13px')) || 13;
  const grid = read('--vscode-charts-lines', withAlpha(foreground, 0.15));
  const font = `${Math.max(10, size - 2)}px ${family}`;
  const color = (name: PaletteColor) => read(PALETTE[name][0], PALETTE[name][1]);
  const palette = (Object.keys(PALETTE) as PaletteColor[]).map(color);
  return { foreground, grid, font, color, signature: [foreground, grid, font, ...palette].join('|') };
}

/** Owns every uPlot instance; render() replaces them, so it is also the theme-change redraw. */
export class Charts {
  private readonly plots = new Map<ChartId, uPlot>();
  /** What each plot was built for (series, theme): when unchanged, new data only needs setData. */
  private readonly shapes = new Map<ChartId, string>();
  private readonly resize = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset.chart as ChartId;
      const plot = this.plots.get(id);
      const width = plotWidth(entry.target as HTMLElement);
      if (plot && width > 0 && Math.abs(plot.width - width) > 1) plot.setSize({ width, height: CHART_HEIGHT });
    }
  });
  private last: DashboardData | undefined;

  constructor(private readonly root: HTMLElement) {
    for (const el of this.containers()) this.resize.observe(el);
  }

  /** Draws the data; plots whose series and theme are unchanged (a live update) just get the new data. */
  render(data: DashboardData, rebuild = false): void {
    this.last = data;
    const theme = readTheme();
    const specs = chartSpecs(data);
    for (const el of this.containers()) {
      const id = el.dataset.chart as ChartId;
      const spec = specs[id];
      const plotHost = el.querySelector<HTMLElement>('.chart-plot')!;
      const hint = el.querySelector<HTMLElement>('.chart-empty');
      const empty = spec.series.length === 0 || spec.buckets.length === 0;
      if (hint) hint.hidden = !empty;
      plotHost.hidden = empty;
      const drawing = drawingFor(spec.series.map((s) => s.values), spec);
      // What the tests and a person inspecting the page can read of the drawing choice.
      el.dataset.draw = drawing.bars ? 'bars' : 'lines';
      el.dataset.scale = drawing.log ? 'log' : 'linear';
      const shape = JSON.stringify([spec.series.map((s) => s.label), spec.step, drawing, theme.signature]);
      const plot = this.plots.get(id);
      if (plot && !empty && !rebuild && this.shapes.get(id) === shape) {
        plot.setData(alignedData(spec));
        continue;
      }
      plot?.destroy();
      this.plots.delete(id);
      this.shapes.delete(id);
      if (empty) continue;
      this.plots.set(id, new uPlot(options(spec, drawing, theme, plotWidth(el)), alignedData(spec), plotHost));
      this.shapes.set(id, shape);
    }
  }

  /** Rebuilds every plot from the last data with the current theme colours. */
  redraw(): void {
    if (this.last) this.render(this.last, true);
  }

  private containers(): HTMLElement[] {
    return [...this.root.querySelectorAll<HTMLElement>('.chart[data-chart]')];
  }
}

function chartSpecs(data: DashboardData): Record<ChartId, ChartSpec> {
  const step = data.bucketMs;
  const nodeSeries = (pick: (n: DashboardData['nodes']['nodes'][number]) => (number | null)[]): SeriesSpec[] =>
    data.nodes.nodes.map((n, i) => ({ label: n.name, color: NODE_COLORS[i % NODE_COLORS.length]!, values: pick(n) }));
  return {
    routes: {
      buckets: data.routes.buckets,
      step,
      integer: true,
      fill: true,
      format: formatCount,
      series: [
        { label: 'local', color: 'green', values: data.routes.values.local },
        { label: 'lan', color: 'blue', values: data.routes.values.lan },
        { label: 'cloud', color: 'orange', values: data.routes.values.cloud },
      ],
    },
    tokensSaved: {
      buckets: data.tokensSaved.buckets,
      step,
      integer: true,
      bars: true,
      format: formatCount,
      series: [{ label: 'tokens saved', color: 'green', values: data.tokensSaved.values.saved }],
    },
    outcomes: {
      buckets: data.outcomes.buckets,
      step,
      integer: true,
      format: formatCount,
      series: [
        { label: 'ok', color: 'green', values: data.outcomes.values.ok },
        { label: 'error', color: 'red', values: data.outcomes.values.error },
        { label: 'cancelled', color: 'yellow', values: data.outcomes.values.cancelled },
      ],
    },
    nodeTtft: { buckets: data.nodes.buckets, step, logWhenSpread: true, format: (v) => formatMs(v), series: nodeSeries((n) => n.ttftMs) },
    nodeTps: { buckets: data.nodes.buckets, step, logWhenSpread: true, format: (v) => formatTps(v), series: nodeSeries((n) => n.tokensPerSecond) },
    learning: {
      buckets: data.learning.series.buckets,
      step,
      format: (v) => formatShare(v),
      // A period without any feedback or verdict has nothing to plot: the empty hint shows instead.
      series: Object.values(data.learning.series.values).some((values) => values.some((v) => v !== null))
        ? [
            { label: 'local accepted', color: 'green', values: data.learning.series.values.localAcceptance },
            { label: 'rerouted', color: 'orange', values: data.learning.series.values.rerouteRate },
            { label: 'thumbs up', color: 'blue', values: data.learning.series.values.thumbsUpShare },
            { label: 'gate score', color: 'purple', values: data.learning.series.values.gateScore },
          ]
        : [],
    },
  };
}

function options(spec: ChartSpec, drawing: Drawing, theme: Theme, width: number): uPlot.Options {
  const axis = (values?: uPlot.Axis['values'], incrs?: number[]): uPlot.Axis => ({
    ...(incrs ? { incrs } : {}),
    stroke: theme.foreground,
    font: theme.font,
    grid: { stroke: theme.grid, width: 1 },
    ticks: { stroke: theme.grid, width: 1 },
    ...(values ? { values, size: (_u: uPlot, labels: string[] | undefined) => labelsWidth(labels, theme.font) + 18 } : {}),
  });
  const bars = drawing.bars;
  return {
    width,
    height: CHART_HEIGHT,
    ms: 1,
    cursor: { points: { size: 6 } },
    legend: { show: true, live: true },
    // Bars are centred on their bucket: pad the x range by half a bucket so the first and last are whole.
    scales: {
      x: { time: true, ...(bars ? { range: (_u, min, max) => [min - spec.step / 2, max + spec.step / 2] } : {}) },
      y: drawing.log ? { distr: 3, log: 10, range: (_u, min, max) => uPlot.rangeLog(min, max, 10, true) } : { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
    },
    axes: [axis(), axis((_u, splits) => splits.map((v) => (v == null ? '' : spec.format(v))), spec.integer ? INTEGER_INCRS : undefined)],
    series: [
      {},
      ...spec.series.map((s, index): uPlot.Series => {
        const color = theme.color(s.color);
        return {
          label: s.label,
          stroke: color,
          width: 2,
          fill: bars ? withAlpha(color, 0.6) : spec.fill ? withAlpha(color, 0.12) : undefined,
          points: { show: spec.buckets.length <= 48, size: 4 },
          value: (_u, v) => (v == null ? '–' : spec.format(v)),
          ...(bars ? { paths: groupedBars(index, spec.series.length, spec.step), points: { show: false } } : {}),
        };
      }),
    ],
  };
}

function alignedData(spec: ChartSpec): uPlot.AlignedData {
  return [spec.buckets, ...spec.series.map((s) => s.values)] as uPlot.AlignedData;
}

/** Max bar width in CSS pixels: a single bucket on a wide chart stays a bar, not a slab. */
const MAX_BAR_PX = 40;

/**
 * Series `index` of `count` as bars side by side in each bucket (overlaid, the tallest would hide the rest):
 * the group spans 60% of a bucket, at most MAX_BAR_PX per bar, centred on the bucket's time.
 */
function groupedBars(index: number, count: number, step: number): uPlot.Series.PathBuilder | undefined {
  const widths = (u: uPlot) => {
    const msPerPx = u.posToVal(1, 'x') - u.posToVal(0, 'x');
    const group = Math.min(0.6 * step, MAX_BAR_PX * count * msPerPx);
    return { group, bar: group / count };
  };
  return uPlot.paths.bars?.({
    size: [1, Infinity, 1],
    disp: {
      x0: {
        unit: 1,
        values: (u) => {
          const { group, bar } = widths(u);
          return (u.data[0] as number[]).map((t) => t - group / 2 + index * bar);
        },
      },
      size: { unit: 1, values: (u) => [widths(u).bar] },
    },
  });
}

let measureContext: CanvasRenderingContext2D | null | undefined;

/** Width in CSS pixels of the widest axis label, so units such as "tok/s" are never cut off. */
function labelsWidth(labels: string[] | undefined, font: string): number {
  measureContext ??= document.createElement('canvas').getContext('2d');
  if (!labels || labels.length === 0 || !measureContext) return 30;
  measureContext.font = font;
  return Math.ceil(Math.max(...labels.map((l) => measureContext!.measureText(l).width)));
}

/** The chart box's content width (the figure's padding excluded). */
function plotWidth(el: HTMLElement): number {
  const style = getComputedStyle(el);
  return Math.max(200, Math.floor(el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight)));
}

/** Any CSS colour with the given alpha: the canvas normalises it to #rrggbb or rgba(). */
export function withAlpha(color: string, alpha: number): string {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return color;
  ctx.fillStyle = '#000';
  ctx.fillStyle = color;
  const normal = ctx.fillStyle;
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(normal);
  if (hex) return `rgba(${parseInt(hex[1]!, 16)}, ${parseInt(hex[2]!, 16)}, ${parseInt(hex[3]!, 16)}, ${alpha})`;
  const rgba = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(normal);
  return rgba ? `rgba(${rgba[1]!.trim()}, ${rgba[2]!.trim()}, ${rgba[3]!.trim()}, ${alpha})` : color;
}
