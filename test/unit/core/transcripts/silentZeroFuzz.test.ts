import * as assert from 'node:assert/strict';
import { accountTranscript, type TranscriptAccount } from '../../../../src/core/transcripts/accounting';
import { TranscriptImportError } from '../../../../src/core/transcripts/importErrors';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { engineCounter, fixedCatalog, fixtureFiles, fixtureText, rng } from './transcriptTestKit';

/**
 * The red-team's fuzz, kept: a token count or a recorded cost in a real transcript is replaced by
 * a value that is not a count (negative, a string, null, a boolean, a fraction, absurd) and the run
 * is imported and priced again. The only acceptable outcomes are the same numbers (the importer
 * does not read that field), the call's cost UNKNOWN with a warning, or a typed import error.
 * A SILENT ZERO — a call still priced, but for less, with no warning — fails the suite.
 */

/** Every usage and cost field an importer reads, by name, across the formats. */
const tokenFields = new Set([
	'input_tokens',
	'output_tokens',
	'cache_read_input_tokens',
	'cache_creation_input_tokens',
	'ephemeral_5m_input_tokens',
	'ephemeral_1h_input_tokens',
	'prompt_tokens',
	'completion_tokens',
	'cached_tokens',
	'reasoning_tokens',
	'promptTokenCount',
	'candidatesTokenCount',
	'thoughtsTokenCount',
	'input_tokens_cache_read',
	'input_tokens_cache_write',
	'cache_read_tokens',
	'cache_write_tokens',
	'input',
	'output',
	'cacheRead',
	'cacheWrite5m',
	'cacheWrite1h',
	'reasoning',
]);
const costFields = new Set(['costUSD', 'costUsd', 'cost', 'accumulated_cost', 'instance_cost']);
const notCounts: unknown[] = [-500, '120', null, true, 12.5, 1e20, 'NaN', -0.5];

interface Site {
	readonly path: readonly (string | number)[];
	readonly kind: 'tokens' | 'cost';
}

/** Where the numbers are: [line or -1 for a whole document, path in the JSON]. */
function sites(value: unknown, path: (string | number)[] = [], out: Site[] = []): Site[] {
	if (Array.isArray(value)) value.forEach((v, i) => sites(v, [...path, i], out));
	else if (value && typeof value === 'object')
		for (const [k, v] of Object.entries(value)) {
			if (typeof v === 'number' && v > 0 && tokenFields.has(k)) out.push({ path: [...path, k], kind: 'tokens' });
			else if (typeof v === 'number' && v > 0 && costFields.has(k)) out.push({ path: [...path, k], kind: 'cost' });
			else sites(v, [...path, k], out);
		}
	return out;
}

function setAt(root: unknown, path: readonly (string | number)[], v: unknown): void {
	let node = root as Record<string | number, unknown>;
	for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
	node[path[path.length - 1]] = v;
}

function price(text: string, file: string): (TranscriptAccount & { readonly said: number }) | TranscriptImportError {
	try {
		const t = importTranscript(text, { file, counter: engineCounter });
		const account = accountTranscript(t, fixedCatalog);
		// What the run says about numbers it could not use.
		return { ...account, said: t.warnings.filter(w => w.code === 'invalidUsage').length };
	} catch (e) {
		if (TranscriptImportError.is(e) && e.reason !== 'internal') return e;
		throw e;
	}
}

/** Documents: the whole file; JSONL: each line is its own document. */
function documents(text: string): { docs: unknown[]; join: (docs: unknown[]) => string } | undefined {
	try {
		const doc = JSON.parse(text) as unknown;
		return { docs: [doc], join: d => JSON.stringify(d[0]) };
	} catch {
		const lines = text.split('\n');
		const parsed = lines.map(l => {
			try {
				return l.trim() ? (JSON.parse(l) as unknown) : undefined;
			} catch {
				return undefined;
			}
		});
		if (!parsed.some(p => p !== undefined)) return undefined;
		return { docs: parsed, join: d => d.map((x, i) => (x === undefined ? lines[i] : JSON.stringify(x))).join('\n') };
	}
}

describe('fuzz: a token count or cost that is not a number is never a silent $0', function () {
	this.timeout(120_000);
	const files = fixtureFiles().filter(f => /\.(json|jsonl|traj)$/.test(f));
	const perFile = 24;

	it('the shared transcripts hold numbers to damage (self-check)', () => {
		const withSites = files.filter(f => {
			const d = documents(fixtureText(f));
			return d && d.docs.some(doc => doc !== undefined && sites(doc).length > 0);
		});
		assert.ok(withSites.length >= 10, `only ${withSites.length} files have usage numbers`);
	});

	for (const file of files) {
		it(`${file}: ${perFile} damaged numbers → same cost, unknown cost with a warning, or a typed error`, () => {
			const text = fixtureText(file);
			const parsed = documents(text);
			if (!parsed) return;
			const all = parsed.docs.flatMap((doc, d) => (doc === undefined ? [] : sites(doc).map(s => ({ doc: d, ...s }))));
			if (all.length === 0) return;
			const base = price(text, file);
			assert.ok(!(base instanceof TranscriptImportError), `${file} does not import: ${String(base)}`);
			const next = rng(0x16a + file.length * 977);
			const failures: string[] = [];
			for (let n = 0; n < perFile; n++) {
				const site = all[Math.floor(next() * all.length)];
				const bad = notCounts[Math.floor(next() * notCounts.length)];
				const docs = parsed.docs.map(d => (d === undefined ? d : (JSON.parse(JSON.stringify(d)) as unknown)));
				setAt(docs[site.doc], site.path, bad);
				const got = price(parsed.join(docs), file);
				if (got instanceof TranscriptImportError) continue;
				const where = `${site.path.join('.')}${parsed.docs.length > 1 ? ` (line ${site.doc + 1})` : ''} = ${JSON.stringify(bad)}`;
				const flagged = got.said > base.said || got.unpricedCalls > base.unpricedCalls;
				if (site.kind === 'tokens') {
					// Fewer tokens priced than before, and nothing says so: the damaged count was read as 0.
					const cheaper = (got.computedUsd ?? 0) < (base.computedUsd ?? 0) - 1e-12;
					if (cheaper && got.unpricedCalls === base.unpricedCalls) failures.push(`${where}: computed ${got.computedUsd} < ${base.computedUsd} with every call still priced`);
					if (cheaper && !flagged) failures.push(`${where}: cheaper without a warning`);
				} else if (bad !== null && (got.recordedUsd ?? 0) < (base.recordedUsd ?? 0) - 1e-12 && !flagged) failures.push(`${where}: recorded cost fell to ${got.recordedUsd} without a warning`);
			}
			assert.deepEqual(failures, []);
		});
	}
});
