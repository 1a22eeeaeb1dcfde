/**
 * A small, dependency-free metrics registry with the Prometheus text exposition format (0.0.4):
 * counters, gauges and histograms with fixed label names. Pure: no clock, no I/O — the Node
 * endpoint (`src/node/metricsServer.ts`) and the CLI render the same registry.
 *
 * Series are rendered sorted by label values, so the output is deterministic and diffable.
 */

export type Labels = Readonly<Record<string, string>>;
type MetricType = 'counter' | 'gauge' | 'histogram';

/** One sample line: `name{labels} value`. */
export interface MetricSample {
	readonly name: string;
	readonly labels: Labels;
	readonly value: number;
}

/** A metric family as data (the `--json` form of the CLI and what tests compare). */
export interface MetricFamilySnapshot {
	readonly name: string;
	readonly type: MetricType;
	readonly help: string;
	readonly samples: readonly MetricSample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function checkLabelNames(metric: string, names: readonly string[], reserved: readonly string[]): void {
	for (const n of names) {
		if (!labelName.test(n) || n.startsWith('__')) throw new Error(`metric ${metric}: invalid label name ${JSON.stringify(n)}`);
		if (reserved.includes(n)) throw new Error(`metric ${metric}: label name ${n} is reserved`);
	}
	if (new Set(names).size !== names.length) throw new Error(`metric ${metric}: duplicate label names`);
}

abstract class Family {
	abstract readonly type: MetricType;
	constructor(
		readonly name: string,
		readonly help: string,
		readonly labelNames: readonly string[],
	) {
		if (!metricName.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
		checkLabelNames(name, labelNames, this.reservedLabels());
	}

	protected reservedLabels(): readonly string[] {
		return [];
	}

	/** The series key of a label set; throws when the labels do not match the family's names exactly. */
	protected key(labels: Labels): string {
		const given = Object.keys(labels);
		if (given.length !== this.labelNames.length || this.labelNames.some(n => typeof labels[n] !== 'string')) {
			throw new Error(`metric ${this.name}: expected labels {${this.labelNames.join(', ')}}, got {${given.join(', ')}}`);
		}
		return JSON.stringify(this.labelNames.map(n => labels[n]));
	}

	protected labelsOf(key: string): Labels {
		// Keys are made by key() from these label names, one value each.
		const values = JSON.parse(key) as string[];
		return Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!]));
	}

	abstract samples(): MetricSample[];
}

/** A value that only goes up (reset only by restarting the process). */
export class Counter extends Family {
	readonly type = 'counter';
	private readonly values = new Map<string, number>();

	inc(labels: Labels = {}, by = 1): void {
		if (!(by >= 0) || !Number.isFinite(by)) throw new Error(`metric ${this.name}: a counter can only grow by a finite, non-negative amount (got ${by})`);
		const k = this.key(labels);
		this.values.set(k, (this.values.get(k) ?? 0) + by);
	}

	get(labels: Labels = {}): number {
		return this.values.get(this.key(labels)) ?? 0;
	}

	samples(): MetricSample[] {
		return sortedEntries(this.values).map(([k, v]) => ({ name: this.name, labels: this.labelsOf(k), value: v }));
	}
}

/** A value that is set (e.g. today's spend). */
export class Gauge extends Family {
	readonly type = 'gauge';
	private readonly values = new Map<string, number>();

	set(labels: Labels, value: number): void {
		this.values.set(this.key(labels), value);
	}

	get(labels: Labels = {}): number | undefined {
		return this.values.get(this.key(labels));
	}

	samples(): MetricSample[] {
		return sortedEntries(this.values).map(([k, v]) => ({ name: this.name, labels: this.labelsOf(k), value: v }));
	}
}

interface HistogramSeries {
	readonly counts: number[];
	sum: number;
	count: number;
}

/** Observations in cumulative `le` buckets, plus `_sum` and `_count`. */
export class Histogram extends Family {
	readonly type = 'histogram';
	readonly buckets: readonly number[];
	private readonly series = new Map<string, HistogramSeries>();

	constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
		super(name, help, labelNames);
		if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
			throw new Error(`metric ${name}: buckets must be finite and strictly increasing`);
		}
		this.buckets = [...buckets];
	}

	protected override reservedLabels(): readonly string[] {
		return ['le'];
	}

	observe(labels: Labels, value: number): void {
		if (Number.isNaN(value)) throw new Error(`metric ${this.name}: cannot observe NaN`);
		const k = this.key(labels);
		let s = this.series.get(k);
		if (!s) {
			s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
			this.series.set(k, s);
		}
		for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
		s.sum += value;
		s.count++;
	}

	samples(): MetricSample[] {
		const out: MetricSample[] = [];
		for (const [k, s] of sortedEntries(this.series)) {
			const labels = this.labelsOf(k);
			this.buckets.forEach((b, i) => out.push({ name: `${this.name}_bucket`, labels: { ...labels, le: formatNumber(b) }, value: s.counts[i]! }));
			out.push({ name: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
			out.push({ name: `${this.name}_sum`, labels, value: s.sum });
			out.push({ name: `${this.name}_count`, labels, value: s.count });
		}
		return out;
	}
}

function sortedEntries<V>(m: Map<string, V>): [string, V][] {
	return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Prometheus float syntax: `+Inf`, `-Inf`, `NaN`, else the shortest round-tripping decimal. */
function formatNumber(v: number): string {
	if (v === Infinity) return '+Inf';
	if (v === -Infinity) return '-Inf';
	if (Number.isNaN(v)) return 'NaN';
	return String(v);
}

function escapeHelp(s: string): string {
	return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabelValue(s: string): string {
	return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function renderLabels(labels: Labels): string {
	const entries = Object.entries(labels);
	return entries.length ? `{${entries.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
}

/** The media type of {@link MetricsRegistry.render}'s output. */
export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8';

export class MetricsRegistry {
	private readonly families = new Map<string, Family>();

	counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
		return this.add(new Counter(name, help, labelNames));
	}

	gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
		return this.add(new Gauge(name, help, labelNames));
	}

	histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
		return this.add(new Histogram(name, help, labelNames, buckets));
	}

	private add<F extends Family>(f: F): F {
		if (this.families.has(f.name)) throw new Error(`metric ${f.name} is registered twice`);
		this.families.set(f.name, f);
		return f;
	}

	snapshot(): MetricFamilySnapshot[] {
		return [...this.families.values()].map(f => ({ name: f.name, type: f.type, help: f.help, samples: f.samples() }));
	}

	/** The Prometheus text exposition of every family (HELP and TYPE even before the first sample). */
	render(): string {
		const lines: string[] = [];
		for (const f of this.families.values()) {
			lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
			for (const s of f.samples()) lines.push(`${s.name}${renderLabels(s.labels)} ${formatNumber(s.value)}`);
		}
		return lines.join('\n') + '\n';
	}
}
