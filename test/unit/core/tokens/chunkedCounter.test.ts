import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { ChunkedCounter, isSafeBoundary, splitAtSafeBoundaries } from '../../../../src/core/tokens/chunkedCounter';
import { seededRandom, type Random } from '../../../../src/core/ports/clock';
import { getEncoder } from '../../../../src/core/tokens/encodings';
import { InputError } from '../../../../src/core/lib/errors';
import type { EncodingName } from '../../../../src/core/tokens/types';
import { tokenCorpus, type CorpusFile } from '../../../support/tokenCorpus';

const encodings: EncodingName[] = ['o200k_base', 'cl100k_base'];
const countWith = (name: EncodingName) => {
	const encoder = getEncoder(name);
	return (text: string) => encoder.count(text);
};

/** The unsafe rule U1 of the tokenizer study (TOKENIZERS.md §3.2): cut before '\n' followed by non-whitespace. */
function unsafeSplit(text: string, target: number): string[] {
	const chunks: string[] = [];
	let pos = 0;
	const re = /(?=\n\S)/g;
	while (text.length - pos > target) {
		re.lastIndex = pos + target;
		const m = re.exec(text);
		if (!m || m.index <= pos) break;
		chunks.push(text.slice(pos, m.index));
		pos = m.index;
	}
	chunks.push(text.slice(pos));
	return chunks;
}

// Inserted strings of the study's edit trials (TOKENIZERS.md §3.2(d)), plus CRLF pieces and letters that glue.
const inserts = [' ', '\n', '\t', '\r', '\r\n', '/', "'", '"', '{', '}', ';', '中文', '\u0301', '😀', '\u00A0', '\u0085', '\uFEFF', '\u2028', "'s", 'x', 'ab', '\n//', '  ', '.\n\n', '\uA7CE', '1234'];

/** One random edit, half of them within ±2 characters of a chunk boundary; may split surrogate pairs and CRLF. */
function randomEdit(random: Random, text: string, boundaries: readonly number[]): { offset: number; length: number; text: string } {
	const pick = <T>(xs: readonly T[]) => xs[Math.floor(random.next() * xs.length)];
	let offset = boundaries.length && random.next() < 0.5 ? pick(boundaries) + Math.floor(random.next() * 5) - 2 : Math.floor(random.next() * (text.length + 1));
	offset = Math.max(0, Math.min(text.length, offset));
	const kind = random.next();
	if (kind < 0.4) return { offset, length: 0, text: pick(inserts) };
	const length = Math.min(text.length - offset, 1 + Math.floor(random.next() * 3));
	if (kind < 0.7) return { offset, length, text: '' };
	return { offset, length, text: pick(inserts) + (random.next() < 0.5 ? pick(inserts) : '') };
}

function chunkBoundaries(counter: ChunkedCounter): number[] {
	// Reconstructs boundaries from the chunking of the current text (same splitter, same target).
	const out: number[] = [];
	let pos = 0;
	for (const c of (counter as unknown as { chunks: string[] }).chunks) {
		pos += c.length;
		out.push(pos);
	}
	return out.slice(0, -1);
}

interface Trial {
	edits: number;
	failures: number;
}

function editTrials(files: readonly CorpusFile[], name: EncodingName, edits: number, seed: number, split?: (t: string, n: number) => string[]): Trial {
	const random = seededRandom(seed);
	const count = countWith(name);
	let failures = 0;
	let done = 0;
	let f = 0;
	while (done < edits) {
		const file = files[f++ % files.length];
		const target = [64, 256, 1024][Math.floor(random.next() * 3)];
		let text = file.text;
		const counter = new ChunkedCounter(text, count, { targetChunk: target, split });
		for (let k = 0; k < 50 && done < edits; k++, done++) {
			const e = randomEdit(random, text, chunkBoundaries(counter));
			text = text.slice(0, e.offset) + e.text + text.slice(e.offset + e.length);
			counter.applyEdit(e.offset, e.length, e.text);
			assert.equal(counter.text(), text, 'the chunks hold exactly the edited text');
			if (counter.total().tokens !== count(text)) failures++;
		}
	}
	return { edits: done, failures };
}

describe('ChunkedCounter', function () {
	this.timeout(180_000);
	// Real files of 2–60 KB, as in TOKENIZERS.md §3.2(d), from every corpus category; the edit trials
	// use those up to 20 KB (each edit is checked against a full recount).
	const files = tokenCorpus().filter(f => f.text.length >= 2_000 && f.text.length <= 60_000);
	const editFiles = files.filter(f => f.text.length <= 20_000);

	it('has enough varied documents to edit', () => {
		assert.ok(files.length > 60, `${files.length} files`);
		assert.ok(editFiles.length > 40, `${editFiles.length} files up to 20 KB`);
		assert.ok(new Set(files.map(f => f.category)).size >= 5);
	});

	for (const name of encodings) {
		it(`${name}: Σ chunks == whole-text count on every corpus file (chunks of 64, 256 and 1024)`, () => {
			const count = countWith(name);
			for (const f of files.slice(0, 80)) {
				const whole = count(f.text);
				for (const target of [64, 256, 1024]) {
					const chunks = splitAtSafeBoundaries(f.text, target);
					assert.equal(chunks.join(''), f.text);
					assert.equal(
						chunks.reduce((n, c) => n + count(c), 0),
						whole,
						`${f.name} @${target}`,
					);
				}
			}
		});

		it(`${name}: 3000 random edits (near boundaries, surrogates, CRLF, U+0085, U+FEFF) always equal a full recount`, () => {
			const r = editTrials(editFiles, name, 3000, name === 'o200k_base' ? 11 : 12);
			assert.deepEqual(r, { edits: 3000, failures: 0 });
		});

		it(`${name}: negative control — the same harness catches an unsafe rule (cut before "\\n" + non-space)`, () => {
			const r = editTrials(editFiles, name, 300, 13, unsafeSplit);
			assert.ok(r.failures > 30, `only ${r.failures}/300 edits detected`);
		});
	}

	it('property: any text, any edit sequence, any chunk size (fast-check)', () => {
		const count = countWith('o200k_base');
		const char = fc.constantFrom(...inserts, 'a', 'B', '9', ' ', '\n', '.', ',', '-', 'é', 'ß', 'ſ', '😀', '\uD800', '\uDC00');
		const textArb = fc.array(char, { maxLength: 300 }).map(a => a.join(''));
		const editArb = fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), ins: textArb.map(t => t.slice(0, 6)) });
		fc.assert(
			fc.property(textArb, fc.array(editArb, { maxLength: 25 }), fc.constantFrom(16, 32, 64), (initial, edits, target) => {
				let text = initial;
				const counter = new ChunkedCounter(text, count, { targetChunk: target });
				for (const e of edits) {
					const offset = e.at % (text.length + 1);
					const length = Math.min(e.del, text.length - offset);
					text = text.slice(0, offset) + e.ins + text.slice(offset + length);
					counter.applyEdit(offset, length, e.ins);
					if (counter.text() !== text || counter.total().tokens !== count(text)) return false;
				}
				return true;
			}),
			{ numRuns: 400, seed: 42 },
		);
	});

	it('cuts only at the three safe rules, never inside a surrogate pair, before an apostrophe or before "\\n"', () => {
		const text = "x = 1;\n// comment\nfoo bar, baz.qux(don't);\n\nnext 😀 line\tend\n  indented";
		const chunks = splitAtSafeBoundaries(text, 1);
		let pos = 0;
		for (const c of chunks.slice(0, -1)) {
			pos += c.length;
			assert.ok(isSafeBoundary(text, pos), `cut at ${pos}: ${JSON.stringify(text.slice(pos - 2, pos + 2))}`);
			assert.ok(!/[\uD800-\uDBFF]/.test(text[pos - 1]), 'inside a surrogate pair');
			assert.notEqual(text[pos], "'");
		}
		assert.ok(!isSafeBoundary(text, text.indexOf('\n// comment') + 1), '"\\n//" is one o200k piece: never cut before the slashes');
		assert.ok(!isSafeBoundary(text, text.indexOf('\n\nnext') + 1), 'never between two newlines');
		assert.ok(isSafeBoundary(text, text.indexOf(' bar')), 'word start');
		assert.ok(isSafeBoundary(text, text.indexOf('.qux')), 'punctuation after a letter');
	});

	it('counts selections exactly, across chunk boundaries', () => {
		const count = countWith('cl100k_base');
		const text = files[3].text;
		const counter = new ChunkedCounter(text, count, { targetChunk: 64 });
		const random = seededRandom(5);
		for (let i = 0; i < 300; i++) {
			const a = Math.floor(random.next() * text.length);
			const b = a + Math.floor(random.next() * Math.min(5_000, text.length - a));
			assert.deepEqual(counter.countRange(a, b), { tokens: count(text.slice(a, b)), exact: true }, `[${a}, ${b})`);
		}
		assert.deepEqual(counter.countRange(10, 10), { tokens: 0, exact: true });
	});

	it('keeps chunks near the target size under typing and mass deletion', () => {
		const count = countWith('o200k_base');
		const text = files
			.map(f => f.text)
			.join('\n')
			.slice(0, 200_000);
		const counter = new ChunkedCounter(text, count);
		assert.ok(counter.chunkCount > 100 && counter.chunkCount < 200, `${counter.chunkCount} chunks for 200 KB`);
		let current = text;
		for (let i = 0; i < 150; i++) {
			const at = Math.floor(current.length / 2);
			counter.applyEdit(at, 1_000, '');
			current = current.slice(0, at) + current.slice(at + 1_000);
		}
		assert.equal(counter.text(), current);
		assert.equal(counter.total().tokens, count(current));
		assert.ok(counter.chunkCount <= Math.ceil(current.length / 512) + 2, `${counter.chunkCount} chunks for ${current.length} chars`);
		counter.applyEdit(0, counter.length, '');
		assert.deepEqual(counter.total(), { tokens: 0, exact: true });
		counter.applyEdit(0, 0, 'hello');
		assert.equal(counter.total().tokens, count('hello'));
	});

	it('guards pathological pieces: an approximate count at once, the exact one on refinement', () => {
		const count = countWith('o200k_base');
		const blob = 'a'.repeat(20_000) + ' tail\n' + 'ok '.repeat(2000);
		let calls = 0;
		const counter = new ChunkedCounter(blob, t => (calls++, count(t)), { longPiece: 4096 });
		const first = counter.total();
		assert.equal(first.exact, false);
		assert.ok(counter.hasRefinable());
		assert.ok(Math.abs(first.tokens - count(blob)) / count(blob) < 2, 'same order of magnitude');
		while (counter.refineNext());
		assert.deepEqual(counter.total(), { tokens: count(blob), exact: true });
		assert.ok(calls > 0);
		// Too large to ever refine: stays approximate (a 100k-letter piece costs seconds in any BPE).
		const huge = new ChunkedCounter('b'.repeat(70_000), count, { maxRefineChunk: 65_536 });
		assert.equal(huge.total().exact, false);
		assert.equal(huge.hasRefinable(), false);
	});

	it('rejects edits outside the document with a typed error', () => {
		const counter = new ChunkedCounter('abc', countWith('o200k_base'));
		assert.throws(
			() => counter.applyEdit(2, 5, ''),
			(e: unknown) => InputError.is(e, 'badArgument'),
		);
		assert.throws(
			() => counter.applyEdit(-1, 0, 'x'),
			(e: unknown) => InputError.is(e, 'badArgument'),
		);
		assert.equal(counter.text(), 'abc');
	});
});
