import * as assert from 'node:assert/strict';
import { CancelledError } from '../../../../src/core/lib/errors';
import { accountTranscript } from '../../../../src/core/transcripts/accounting';
import { TranscriptImportError } from '../../../../src/core/transcripts/importErrors';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import type { Transcript } from '../../../../src/core/transcripts/model';
import { reportEntry } from '../../../../src/core/transcripts/reportEntry';
import { engineCounter, fixedCatalog, fixtureFiles, fixtureText, rng } from './transcriptTestKit';

/**
 * Thousands of mutated real files through every importer: the only acceptable outcomes are a
 * transcript whose numbers are all finite and non-negative (and which accounts and serializes), or a
 * TranscriptImportError with a reason other than `internal` (the safety net for importer bugs).
 */
const perFile = 160;

type Mutation = (text: string, next: () => number) => string;

const pick = <T>(list: readonly T[], next: () => number): T => list[Math.floor(next() * list.length)];

const weirdValues: unknown[] = [null, 0, -1, 1e308, -1e308, 3.5, '', 'x', '12', true, false, [], {}, [1, 'a'], { a: { b: null } }, 'attachment://nope', '<synthetic>', 'claude-\u0000bad model'];

/** Replaces one random value of the JSON tree with a value of another type. */
function swapType(value: unknown, next: () => number): unknown {
	const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
	const walk = (v: unknown) => {
		if (nodes.length > 20_000) return;
		if (Array.isArray(v)) v.forEach((x, i) => (nodes.push({ parent: v, key: i }), walk(x)));
		else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) (nodes.push({ parent: v as Record<string, unknown>, key: k }), walk(x));
	};
	walk(value);
	if (nodes.length === 0) return pick(weirdValues, next);
	for (let i = 0; i < 1 + Math.floor(next() * 4); i++) {
		const n = pick(nodes, next);
		const r = next();
		if (r < 0.15 && !Array.isArray(n.parent)) delete (n.parent as Record<string, unknown>)[n.key as string];
		else (n.parent as Record<string | number, unknown>)[n.key] = pick(weirdValues, next);
	}
	return value;
}

const mutations: Record<string, Mutation> = {
	byteFlips: (t, next) => {
		const chars = t.split('');
		for (let i = 0; i < 1 + Math.floor(next() * 8); i++) chars[Math.floor(next() * chars.length)] = pick(['{', '}', '"', ',', ':', '\n', '\\', '0', 'x', '\u0000', '\u00e9', ' ', '[', ']'], next);
		return chars.join('');
	},
	truncate: (t, next) => t.slice(0, Math.floor(next() * t.length)),
	deleteLines: (t, next) => {
		const lines = t.split('\n');
		for (let i = 0; i < 1 + Math.floor(next() * 5); i++) lines.splice(Math.floor(next() * lines.length), 1 + Math.floor(next() * 3));
		return lines.join('\n');
	},
	duplicateLines: (t, next) => {
		const lines = t.split('\n');
		for (let i = 0; i < 1 + Math.floor(next() * 5); i++) {
			const at = Math.floor(next() * lines.length);
			lines.splice(Math.floor(next() * lines.length), 0, ...lines.slice(at, at + 1 + Math.floor(next() * 4)));
		}
		return lines.join('\n');
	},
	wrongTypes: (t, next) => {
		if (t.trimStart().startsWith('{') && t.includes('\n{')) {
			// JSONL: swap types inside a few lines.
			return t
				.split('\n')
				.map(l => {
					if (next() > 0.3) return l;
					try {
						return JSON.stringify(swapType(JSON.parse(l), next));
					} catch {
						return l;
					}
				})
				.join('\n');
		}
		try {
			return JSON.stringify(swapType(JSON.parse(t), next));
		} catch {
			// Markdown: swap numbers and markers instead.
			return t.replace(/\d+(\.\d+)?k?/g, m => (next() < 0.2 ? pick(['-1', '1e400k', 'NaN', '9999999999999k', '', '0.0.0'], next) : m)).replace(/^(####|>) /gm, m => (next() < 0.1 ? '' : m));
		}
	},
	splice: (t, next) => {
		const a = Math.floor(next() * t.length);
		const b = Math.floor(next() * t.length);
		return t.slice(0, Math.min(a, b)) + t.slice(Math.max(a, b)) + t.slice(Math.min(a, b), Math.max(a, b));
	},
};

function checkTranscript(t: Transcript, label: string): void {
	for (const c of t.calls) {
		for (const [k, v] of Object.entries(c.usage)) assert.ok(Number.isFinite(v) && v >= 0, `${label}: call ${c.index} usage.${k} = ${v}`);
		if (c.recordedCostUsd !== undefined) assert.ok(Number.isFinite(c.recordedCostUsd) && c.recordedCostUsd >= 0, `${label}: recorded cost ${c.recordedCostUsd}`);
	}
	const a = accountTranscript(t, fixedCatalog);
	const entry = reportEntry(t, a, label);
	for (const v of [a.computedUsd, a.recordedUsd]) assert.ok(v === null || Number.isFinite(v), `${label}: ${v}`);
	// JSON-serializable: no NaN/Infinity (JSON.stringify would silently turn them into null).
	const bad: string[] = [];
	const walk = (v: unknown, path: string) => {
		if (typeof v === 'number' && !Number.isFinite(v)) bad.push(path);
		else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
		else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
	};
	walk({ t, a, entry }, '');
	assert.deepEqual(bad, [], `${label}: non-finite numbers`);
	assert.deepEqual(JSON.parse(JSON.stringify(entry)), entry);
}

describe('importer fuzzing: mutated real files never crash', function () {
	this.timeout(300_000);
	for (const file of fixtureFiles()) {
		it(`${file}: ${perFile} mutations → a transcript or a typed error`, () => {
			const base = fixtureText(file);
			const next = rng([...file].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
			const names = Object.keys(mutations);
			const outcomes: Record<string, number> = {};
			for (let i = 0; i < perFile; i++) {
				const name = names[i % names.length];
				const text = mutations[name](base, next);
				const label = `${file} #${i} (${name})`;
				let t: Transcript | undefined;
				try {
					t = importTranscript(text, { file, counter: engineCounter });
				} catch (e) {
					if (CancelledError.is(e)) throw e;
					assert.ok(TranscriptImportError.is(e), `${label}: untyped ${e instanceof Error ? e.stack : String(e)}`);
					assert.notEqual(e.reason, 'internal', `${label}: importer bug: ${e.message}`);
					outcomes[e.reason] = (outcomes[e.reason] ?? 0) + 1;
				}
				if (t) {
					checkTranscript(t, label);
					outcomes.ok = (outcomes.ok ?? 0) + 1;
				}
			}
			// Both outcomes occur: the mutations are neither all harmless nor all fatal.
			assert.ok((outcomes.ok ?? 0) > 0, JSON.stringify(outcomes));
		});
	}

	it(`covers ${perFile * 25} mutated files in total`, () => {
		assert.equal(fixtureFiles().length * perFile, perFile * 25);
		assert.ok(perFile * 25 >= 2000);
	});
});
