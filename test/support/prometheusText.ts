/**
 * A strict parser of the Prometheus text exposition format (0.0.4) for tests: it rejects anything
 * a Prometheus scraper would reject (bad names, bad escapes, samples before their TYPE, a family
 * split in two, non-cumulative histogram buckets), so "parses back" means "a scraper accepts it".
 */
interface ParsedSample {
	readonly name: string;
	readonly labels: Record<string, string>;
	readonly value: number;
}

export interface ParsedFamily {
	readonly name: string;
	type?: string;
	help?: string;
	readonly samples: ParsedSample[];
}

const name = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const sampleLine = new RegExp(`^(${name})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);

function parseValue(v: string, line: number): number {
	if (v === '+Inf') return Infinity;
	if (v === '-Inf') return -Infinity;
	if (v === 'NaN') return NaN;
	if (!/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)) throw new Error(`line ${line}: bad value ${v}`);
	return Number(v);
}

function parseLabels(text: string, line: number): Record<string, string> {
	const labels: Record<string, string> = {};
	let i = 0;
	while (i < text.length) {
		const m = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(text.slice(i));
		if (!m) throw new Error(`line ${line}: bad label at ${JSON.stringify(text.slice(i))}`);
		i += m[0].length;
		let value = '';
		for (;;) {
			if (i >= text.length) throw new Error(`line ${line}: unterminated label value`);
			const c = text[i++];
			if (c === '"') break;
			if (c === '\\') {
				const e = text[i++];
				if (e === 'n') value += '\n';
				else if (e === '\\' || e === '"') value += e;
				else throw new Error(`line ${line}: bad escape \\${e}`);
			} else if (c === '\n') throw new Error(`line ${line}: raw newline in label value`);
			else value += c;
		}
		if (m[1] in labels) throw new Error(`line ${line}: duplicate label ${m[1]}`);
		labels[m[1]] = value;
		if (text[i] === ',') i++;
		else if (i < text.length) throw new Error(`line ${line}: expected , after label`);
	}
	return labels;
}

function unescapeHelp(text: string, line: number): string {
	let out = '';
	for (let i = 0; i < text.length; i++) {
		if (text[i] !== '\\') {
			out += text[i];
			continue;
		}
		const e = text[++i];
		if (e === 'n') out += '\n';
		else if (e === '\\') out += '\\';
		else throw new Error(`line ${line}: bad escape in HELP`);
	}
	return out;
}

function familyOf(sample: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
	if (families.has(sample)) return families.get(sample);
	for (const suffix of ['_bucket', '_sum', '_count']) {
		if (sample.endsWith(suffix)) {
			const f = families.get(sample.slice(0, -suffix.length));
			if (f?.type === 'histogram' || f?.type === 'summary') return f;
		}
	}
	return undefined;
}

export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
	if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
	const families = new Map<string, ParsedFamily>();
	const closed = new Set<string>();
	let current: string | undefined;
	const lines = text.slice(0, -1).split('\n');
	lines.forEach((raw, idx) => {
		const line = idx + 1;
		if (raw === '') return;
		const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
		if (meta) {
			const [, kind, fname, rest] = meta;
			if (!new RegExp(`^${name}$`).test(fname)) throw new Error(`line ${line}: bad metric name ${fname}`);
			if (closed.has(fname)) throw new Error(`line ${line}: family ${fname} appears twice`);
			if (current !== fname && current !== undefined) closed.add(current);
			current = fname;
			const f = families.get(fname) ?? { name: fname, samples: [] };
			families.set(fname, f);
			if (kind === 'TYPE') {
				if (f.type) throw new Error(`line ${line}: second TYPE for ${fname}`);
				if (f.samples.length) throw new Error(`line ${line}: TYPE after samples of ${fname}`);
				if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest)) throw new Error(`line ${line}: bad type ${rest}`);
				f.type = rest;
			} else {
				f.help = unescapeHelp(rest, line);
			}
			return;
		}
		if (raw.startsWith('#')) return; // comment
		const m = sampleLine.exec(raw);
		if (!m) throw new Error(`line ${line}: not a sample: ${raw}`);
		const f = familyOf(m[1], families);
		if (!f) throw new Error(`line ${line}: sample ${m[1]} has no TYPE before it`);
		if (f.name !== current) throw new Error(`line ${line}: sample of ${f.name} outside its family block`);
		f.samples.push({ name: m[1], labels: m[2] ? parseLabels(m[2], line) : {}, value: parseValue(m[3], line) });
	});
	for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
	return families;
}

function checkHistogram(f: ParsedFamily): void {
	const series = new Map<string, ParsedSample[]>();
	for (const s of f.samples) {
		const { le, ...rest } = s.labels;
		const k = JSON.stringify(Object.entries(rest).sort());
		if (s.name.endsWith('_bucket') && le === undefined) throw new Error(`${f.name}: bucket without le`);
		series.set(k, [...(series.get(k) ?? []), s]);
	}
	for (const samples of series.values()) {
		const buckets = samples.filter(s => s.name === `${f.name}_bucket`);
		const les = buckets.map(b => parseValue(b.labels.le, 0));
		for (let i = 1; i < buckets.length; i++) {
			if (!(les[i] > les[i - 1])) throw new Error(`${f.name}: le not increasing`);
			if (buckets[i].value < buckets[i - 1].value) throw new Error(`${f.name}: buckets not cumulative`);
		}
		if (les[les.length - 1] !== Infinity) throw new Error(`${f.name}: no +Inf bucket`);
		const count = samples.find(s => s.name === `${f.name}_count`);
		if (!count || count.value !== buckets[buckets.length - 1].value) throw new Error(`${f.name}: _count differs from the +Inf bucket`);
		if (!samples.some(s => s.name === `${f.name}_sum`)) throw new Error(`${f.name}: no _sum`);
	}
}

/** The value of one sample, by name and labels (all labels must match). */
export function sampleValue(families: Map<string, ParsedFamily>, sample: string, labels: Record<string, string> = {}): number | undefined {
	for (const f of families.values()) {
		for (const s of f.samples) {
			if (s.name !== sample) continue;
			const keys = Object.keys(s.labels);
			if (keys.length === Object.keys(labels).length && keys.every(k => s.labels[k] === labels[k])) return s.value;
		}
	}
	return undefined;
}
