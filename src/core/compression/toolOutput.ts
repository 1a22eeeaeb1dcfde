import type { TokenCounter } from '../ports/tokenCounter';
import type { EngineMessage } from './messages';
import { isObservation } from './messages';
import { compressionResult, unchangedResult } from './result';
import type { CompressionChange, HistoryCompressionResult } from './types';

export interface ToolOutputTruncation {
	readonly text: string;
	readonly truncated: boolean;
	readonly tokensBefore: number;
	readonly tokensAfter: number;
	/** What was cut, in words (also embedded in the text). Empty when nothing was cut. */
	readonly note: string;
	readonly shape: 'json' | 'lines' | 'text';
}

function fmt(n: number): string {
	return n.toLocaleString('en-US');
}

interface JsonLimits {
	readonly items: number;
	readonly chars: number;
	readonly keys: number;
	readonly depth: number;
}

interface JsonCuts {
	items: number;
	strings: number;
	keys: number;
	deep: number;
}

function shrinkJson(v: unknown, lim: JsonLimits, depth: number, cuts: JsonCuts): unknown {
	if (typeof v === 'string') {
		if (v.length <= lim.chars) return v;
		cuts.strings++;
		return `${v.slice(0, lim.chars)}… [${fmt(v.length - lim.chars)} more chars]`;
	}
	if (Array.isArray(v)) {
		if (depth >= lim.depth && v.length > 0) {
			cuts.deep++;
			return [`… ${fmt(v.length)} items omitted`];
		}
		const kept = v.slice(0, lim.items).map(x => shrinkJson(x, lim, depth + 1, cuts));
		if (v.length > lim.items) {
			cuts.items += v.length - lim.items;
			kept.push(`… ${fmt(v.length - lim.items)} more items omitted (${fmt(v.length)} total)`);
		}
		return kept;
	}
	if (typeof v === 'object' && v !== null) {
		const entries = Object.entries(v);
		if (depth >= lim.depth && entries.length > 0) {
			cuts.deep++;
			return {
				'…': `${fmt(entries.length)} keys omitted: ${entries
					.slice(0, 8)
					.map(e => e[0])
					.join(', ')}${entries.length > 8 ? ', …' : ''}`,
			};
		}
		const out: Record<string, unknown> = {};
		for (const [k, x] of entries.slice(0, lim.keys)) out[k] = shrinkJson(x, lim, depth + 1, cuts);
		if (entries.length > lim.keys) {
			cuts.keys += entries.length - lim.keys;
			out['…'] = `${fmt(entries.length - lim.keys)} more keys omitted (${fmt(entries.length)} total)`;
		}
		return out;
	}
	return v;
}

const jsonLevels: JsonLimits[] = [
	{ items: 50, chars: 2000, keys: 200, depth: 12 },
	{ items: 20, chars: 500, keys: 100, depth: 8 },
	{ items: 10, chars: 200, keys: 50, depth: 6 },
	{ items: 5, chars: 120, keys: 30, depth: 5 },
	{ items: 3, chars: 80, keys: 20, depth: 4 },
	{ items: 2, chars: 40, keys: 12, depth: 3 },
	{ items: 1, chars: 24, keys: 8, depth: 2 },
];

function jsonNote(c: JsonCuts): string {
	const parts: string[] = [];
	if (c.items) parts.push(`${fmt(c.items)} array items`);
	if (c.keys) parts.push(`${fmt(c.keys)} object keys`);
	if (c.strings) parts.push(`the tail of ${fmt(c.strings)} long strings`);
	if (c.deep) parts.push(`${fmt(c.deep)} nested values below the depth limit`);
	return `JSON truncated: omitted ${parts.join(', ')}`;
}

/** Largest n in [lo, hi] with ok(n) (ok monotone decreasing), or lo - 1. */
function maxFitting(lo: number, hi: number, ok: (n: number) => boolean): number {
	let best = lo - 1;
	while (lo <= hi) {
		const mid = (lo + hi) >> 1;
		if (ok(mid)) {
			best = mid;
			lo = mid + 1;
		} else hi = mid - 1;
	}
	return best;
}

/**
 * Truncates one tool output to `maxTokens`, keeping its structure: JSON stays valid JSON (arrays
 * keep their first items plus a count, objects keep their keys, long strings keep their head),
 * tables and logs keep the header/head and the tail (where errors usually are), plain text keeps
 * head and tail. Whatever was cut is stated in the output itself and in `note`.
 */
export function truncateToolOutput(text: string, maxTokens: number, model: string, counter: TokenCounter): ToolOutputTruncation {
	const count = (s: string) => counter.countText(model, s).tokens;
	const before = count(text);
	if (before <= maxTokens) return { text, truncated: false, tokensBefore: before, tokensAfter: before, note: '', shape: 'text' };
	const trimmed = text.trim();
	if (/^[[{]/.test(trimmed)) {
		let parsed: unknown;
		let ok = true;
		try {
			parsed = JSON.parse(trimmed);
		} catch {
			ok = false;
		}
		if (ok) {
			for (const lim of jsonLevels) {
				const cuts: JsonCuts = { items: 0, strings: 0, keys: 0, deep: 0 };
				const shrunk = shrinkJson(parsed, lim, 0, cuts);
				const out = JSON.stringify(shrunk, null, 1);
				const t = count(out);
				if (t <= maxTokens) return { text: out, truncated: true, tokensBefore: before, tokensAfter: t, note: jsonNote(cuts), shape: 'json' };
			}
			// Even the smallest skeleton is too big (thousands of keys): fall through to line truncation of the minified form.
			return { ...truncateLines(JSON.stringify(parsed, null, 1), before, maxTokens, count), shape: 'json' };
		}
	}
	const lines = text.split('\n');
	if (lines.length >= 8) return { ...truncateLines(text, before, maxTokens, count), shape: 'lines' };
	return { ...truncateChars(text, before, maxTokens, count), shape: 'text' };
}

function truncateLines(text: string, before: number, maxTokens: number, count: (s: string) => number): Omit<ToolOutputTruncation, 'shape'> {
	const lines = text.split('\n');
	// A table's header stays with the head. Logs put their errors at the end: the tail gets 2/3.
	const build = (keep: number) => {
		const head = Math.max(1, Math.floor(keep / 3));
		const tail = Math.max(0, keep - head);
		const omitted = lines.length - head - tail;
		const note = `… ${fmt(omitted)} lines omitted (kept the first ${fmt(head)} and last ${fmt(tail)} of ${fmt(lines.length)}) …`;
		return { out: [...lines.slice(0, head), note, ...lines.slice(lines.length - tail)].join('\n'), note };
	};
	const keep = maxFitting(2, lines.length - 1, n => count(build(n).out) <= maxTokens);
	if (keep < 2) {
		// Even two lines are too long: cut by characters instead.
		return truncateChars(text, before, maxTokens, count);
	}
	const { out, note } = build(keep);
	// Lines may be very long: if the best line cut still keeps few lines, characters do better.
	const t = count(out);
	return { text: out, truncated: true, tokensBefore: before, tokensAfter: t, note: `Lines truncated: ${note.replace(/^… | …$/g, '')}` };
}

function truncateChars(text: string, before: number, maxTokens: number, count: (s: string) => number): Omit<ToolOutputTruncation, 'shape'> {
	const build = (keep: number) => {
		const head = Math.floor(keep / 3);
		const tail = keep - head;
		const note = `… ${fmt(text.length - keep)} characters omitted (kept the first ${fmt(head)} and last ${fmt(tail)} of ${fmt(text.length)}) …`;
		return { out: `${text.slice(0, head)}\n${note}\n${text.slice(text.length - tail)}`, note };
	};
	const keep = Math.max(
		0,
		maxFitting(0, text.length - 1, n => count(build(n).out) <= maxTokens),
	);
	const { out, note } = build(keep);
	return { text: out, truncated: true, tokensBefore: before, tokensAfter: count(out), note: `Text truncated: ${note.replace(/^… | …$/g, '')}` };
}

/**
 * Applies {@link truncateToolOutput} to every observation in a history (tool messages, tool results
 * and the user-role observations of agents like mini-SWE-agent: see {@link isObservation}).
 */
export function truncateToolOutputs(messages: readonly EngineMessage[], maxTokens: number, model: string, counter: TokenCounter): HistoryCompressionResult {
	const changes: CompressionChange[] = [];
	const out = messages.map((m, index) => {
		if (!isObservation(m)) return m;
		const t = truncateToolOutput(m.content, maxTokens, model, counter);
		if (!t.truncated) return m;
		changes.push({ kind: 'toolOutputTruncated', index, before: t.tokensBefore, after: t.tokensAfter, note: t.note });
		return { ...m, content: t.text };
	});
	if (changes.length === 0) return unchangedResult('toolOutputs', messages, { model, counter });
	return compressionResult('toolOutputs', messages, out, changes, { model, counter });
}
