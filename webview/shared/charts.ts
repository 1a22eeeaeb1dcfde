/**
 * Small SVG charts for the panel, drawn with DOM calls only (no innerHTML, no inline styles, no
 * chart library): the CSP forbids inline script and style, and labels may come from untrusted
 * transcripts, so every text goes through `textContent`. Colours are VS Code's chart theme
 * variables, set through classes in the panel's stylesheet.
 */

const svgNs = 'http://www.w3.org/2000/svg';

export interface ChartSeries {
	readonly name: string;
	/** y values; x is the index (step number) unless `xs` is given. */
	readonly ys: readonly number[];
	readonly xs?: readonly number[];
	/** Draw dashed, e.g. for the baseline. */
	readonly dashed?: boolean;
}

export interface ChartOptions {
	readonly title: string;
	readonly xLabel: string;
	readonly yLabel: string;
	readonly formatY: (y: number) => string;
	readonly formatX?: (x: number) => string;
	readonly width?: number;
	readonly height?: number;
	/** Vertical markers, e.g. where a budget stopped the run. */
	readonly markers?: readonly { readonly x: number; readonly label: string }[];
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
	const node = document.createElementNS(svgNs, tag);
	for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
	parent?.appendChild(node);
	return node;
}

function text(parent: Element, x: number, y: number, content: string, cls: string, anchor: 'start' | 'middle' | 'end' = 'start'): SVGTextElement {
	const t = svg('text', { x, y, class: cls, 'text-anchor': anchor }, parent);
	t.textContent = content;
	return t;
}

/** Rounds a range up to a "nice" step so the axis labels are readable (1, 2, 5 × 10^n). */
function niceTicks(max: number, count = 4): number[] {
	if (!(max > 0) || !Number.isFinite(max)) return [0];
	const raw = max / count;
	const mag = 10 ** Math.floor(Math.log10(raw));
	const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) ?? raw;
	const ticks: number[] = [];
	for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
	if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
	return ticks;
}

const margin = { top: 28, right: 16, bottom: 36, left: 64 };

function frame(options: ChartOptions, xMin: number, xMax: number, yMax: number) {
	const width = options.width ?? 640;
	const height = options.height ?? 240;
	const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
	const title = svg('title', {}, root);
	title.textContent = options.title;
	text(root, margin.left, 16, options.title, 'chart-title');
	const plotW = width - margin.left - margin.right;
	const plotH = height - margin.top - margin.bottom;
	const yTicks = niceTicks(yMax);
	const yTop = yTicks[yTicks.length - 1] || 1;
	const sx = (x: number) => margin.left + (xMax === xMin ? plotW / 2 : ((x - xMin) / (xMax - xMin)) * plotW);
	const sy = (y: number) => margin.top + plotH - (y / yTop) * plotH;
	for (const t of yTicks) {
		svg('line', { x1: margin.left, x2: margin.left + plotW, y1: sy(t), y2: sy(t), class: 'chart-grid' }, root);
		text(root, margin.left - 6, sy(t) + 4, options.formatY(t), 'chart-tick', 'end');
	}
	svg('line', { x1: margin.left, x2: margin.left + plotW, y1: sy(0), y2: sy(0), class: 'chart-axis' }, root);
	const fx = options.formatX ?? ((x: number) => String(x));
	const xTickCount = Math.min(6, Math.max(1, Math.round(xMax - xMin)));
	for (let i = 0; i <= xTickCount; i++) {
		const x = xMin + ((xMax - xMin) * i) / xTickCount;
		const rx = Number.isInteger(xMin) && Number.isInteger(xMax) ? Math.round(x) : x;
		text(root, sx(rx), margin.top + plotH + 16, fx(rx), 'chart-tick', 'middle');
	}
	text(root, margin.left + plotW / 2, height - 4, options.xLabel, 'chart-label', 'middle');
	const yl = text(root, 12, margin.top + plotH / 2, options.yLabel, 'chart-label', 'middle');
	yl.setAttribute('transform', `rotate(-90 12 ${margin.top + plotH / 2})`);
	for (const m of options.markers ?? []) {
		svg('line', { x1: sx(m.x), x2: sx(m.x), y1: margin.top, y2: margin.top + plotH, class: 'chart-marker' }, root);
		text(root, sx(m.x) + 3, margin.top + 10, m.label, 'chart-marker-label');
	}
	return { root, sx, sy, plotW, plotH };
}

function legend(root: SVGSVGElement, series: readonly ChartSeries[], width: number): void {
	let x = width - margin.right;
	for (let i = series.length - 1; i >= 0; i--) {
		const label = series[i].name;
		const w = 14 + label.length * 6.2;
		x -= w + 10;
		svg('rect', { x, y: 8, width: 10, height: 10, class: `chart-swatch chart-color-${i % 6}` }, root);
		text(root, x + 14, 17, label, 'chart-legend');
	}
}

/** A line chart of one or more series over steps (cumulative cost, input tokens per step…). */
export function lineChart(series: readonly ChartSeries[], options: ChartOptions): SVGSVGElement {
	const xsOf = (s: ChartSeries) => s.xs ?? s.ys.map((_, i) => i + 1);
	const allX = series.flatMap(xsOf);
	const xMin = allX.length ? Math.min(...allX) : 0;
	const xMax = allX.length ? Math.max(...allX) : 1;
	const yMax = Math.max(0, ...series.flatMap(s => s.ys.filter(Number.isFinite)));
	const { root, sx, sy } = frame(options, xMin, xMax, yMax);
	series.forEach((s, i) => {
		const xs = xsOf(s);
		const d = s.ys.map((y, j) => `${j === 0 ? 'M' : 'L'}${sx(xs[j]).toFixed(1)},${sy(Number.isFinite(y) ? y : 0).toFixed(1)}`).join(' ');
		svg('path', { d, class: `chart-line chart-color-${i % 6}${s.dashed ? ' chart-dashed' : ''}`, 'data-series': s.name }, root);
	});
	legend(root, series, options.width ?? 640);
	return root;
}

/** A bar chart of one value per category (a parameter sweep's cost per setting). */
export function barChart(bars: readonly { readonly label: string; readonly value: number; readonly highlight?: boolean }[], options: ChartOptions): SVGSVGElement {
	const yMax = Math.max(0, ...bars.map(b => b.value).filter(Number.isFinite));
	const width = options.width ?? 640;
	const { root, sy, plotW } = frame({ ...options, formatX: () => '' }, 0, 1, yMax);
	const slot = plotW / Math.max(1, bars.length);
	bars.forEach((b, i) => {
		const x = margin.left + i * slot + slot * 0.15;
		const y = sy(Number.isFinite(b.value) ? b.value : 0);
		svg('rect', { x, y, width: slot * 0.7, height: Math.max(0, sy(0) - y), class: `chart-bar${b.highlight ? ' chart-bar-best' : ''}`, 'data-label': b.label }, root);
		text(root, x + slot * 0.35, sy(0) + 16, b.label, 'chart-tick', 'middle');
		text(root, x + slot * 0.35, y - 4, options.formatY(b.value), 'chart-value', 'middle');
	});
	void width;
	return root;
}
