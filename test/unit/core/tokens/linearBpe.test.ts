import * as assert from 'node:assert/strict';
import cl100kRanks from 'gpt-tokenizer/bpeRanks/cl100k_base';
import o200kRanks from 'gpt-tokenizer/bpeRanks/o200k_base';
import { seededRandom } from '../../../../src/core/ports/clock';
import { CancelledError } from '../../../../src/core/lib/errors';
import { ReferenceBpe } from '../../../../src/core/tokens/bytePairEncoder';
import { countText } from '../../../../src/core/tokens/count';
import { setCountInterruptCheck } from '../../../../src/core/tokens/countInterrupt';
import { getEncoder } from '../../../../src/core/tokens/encodings';
import { hasLongPiece } from '../../../../src/core/tokens/longPieces';
import type { EncodingName } from '../../../../src/core/tokens/types';
import { freeReferences, tiktokenReference } from '../../../support/tiktokenReference';

// Counting must be linear on every input and stay EXACT: ids identical to tiktoken's Rust core
// (WASM, `encode_ordinary`). Timings are measured in bench/longRuns.bench.ts, not here.

const encodings: EncodingName[] = ['o200k_base', 'cl100k_base'];
after(freeReferences);

function sameIds(name: EncodingName, text: string, label: string): void {
	const ours = getEncoder(name).encode(text);
	const ref = [...tiktokenReference(name).encode_ordinary(text)];
	const at = ours.findIndex((id, i) => id !== ref[i]);
	if (at >= 0 || ours.length !== ref.length) assert.fail(`${name} ${label}: ids differ at ${at} (ours ${ours.length}, tiktoken ${ref.length})`);
	assert.equal(getEncoder(name).count(text), ref.length, `${name} ${label}: count`);
}

describe('linear-time tokenization, exact', function () {
	this.timeout(120_000);
	const random = seededRandom(16);
	const pick = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(random.next() * alphabet.length)]).join('');

	it('long runs of one character, of a short pattern, and of random letters: the same ids as tiktoken', () => {
		const runs: [string, string][] = [];
		for (const ch of ['a', 'Z', ' ', '\n', '=', '-', '.', '中', 'é', '😀', '\t', 'ـ']) for (const n of [300, 2_049]) runs.push([`${JSON.stringify(ch)}×${n}`, ch.repeat(n)]);
		for (const p of ['ab', 'abc', ' a', '=-', '中文', 'ab12']) runs.push([`${JSON.stringify(p)}×`, p.repeat(1_000)]);
		for (const alphabet of ['ab', 'abcdefgh', 'etaoinshrdlu', 'AaBb']) runs.push([`random ${alphabet}`, pick(alphabet, 3_000)]);
		for (const name of encodings) for (const [label, text] of runs) sameIds(name, text, label);
	});

	it('long runs inside ordinary text (cut at safe boundaries, the run merged apart): the same ids as tiktoken', () => {
		const prose = 'The agent read the file, ran the tests (3 failed) and wrote a patch:\n';
		for (const name of encodings)
			for (const run of ['x'.repeat(3_000), ' '.repeat(2_000), '#'.repeat(2_500), '日本語'.repeat(800), pick('qwertyuiop', 3_000)]) {
				sameIds(name, prose.repeat(40) + run + '\n' + prose.repeat(40), `prose + ${JSON.stringify(run.slice(0, 3))}…`);
				sameIds(name, run, `only ${JSON.stringify(run.slice(0, 3))}…`);
				sameIds(name, `${run}${prose}${run}`, `two runs ${JSON.stringify(run.slice(0, 3))}…`);
			}
	});

	it("the merge by rank levels and the merge from a heap make exactly the merges of tiktoken's own loop", () => {
		for (const ranks of [o200kRanks, cl100kRanks]) {
			const scan = new ReferenceBpe(ranks, { longPieceBytes: Infinity });
			const linear = new ReferenceBpe(ranks, { longPieceBytes: 0 });
			for (const alphabet of ['a', 'ab', 'aab', 'abcdefghij', ' \t', '=-_', 'é中']) {
				for (let i = 0; i < 30; i++) {
					const piece = pick(alphabet, 1 + Math.floor(random.next() * 400));
					const a: number[] = [];
					const b: number[] = [];
					scan.encodePiece(piece, a);
					linear.encodePiece(piece, b);
					assert.deepEqual(b, a, JSON.stringify(piece));
				}
			}
		}
	});

	it('a vocabulary where a merge creates a LOWER-ranked pair (not what BPE training makes): the level merge gives way to the heap, still exact', () => {
		// Single bytes are ranks 0–255. Then "abc" = 256 before "bc" = 257: merging "bc" creates the pair
		// ("a", "bc") = "abc", whose rank is lower than the merge that made it.
		const ranks: string[] = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));
		ranks.push('abc', 'bc', 'abcabc', 'cab');
		const bytesOf = (s: string): number[] => [...s].map(c => c.charCodeAt(0));
		const table = ranks.map(bytesOf);
		const scan = new ReferenceBpe(table, { longPieceBytes: Infinity });
		const linear = new ReferenceBpe(table, { longPieceBytes: 0 });
		for (const piece of ['abc'.repeat(50), 'aabcbc'.repeat(30), pick('abc', 500), pick('abc', 333)]) {
			const a: number[] = [];
			const b: number[] = [];
			scan.encodePiece(piece, a);
			linear.encodePiece(piece, b);
			assert.deepEqual(b, a, piece.slice(0, 40));
		}
	});

	it('a megabyte-long run of one character is counted (the old core took hours), the two linear merges agree', () => {
		const heapOnly = new ReferenceBpe(o200kRanks, { longPieceBytes: 0 });
		for (const ch of ['a', '=']) {
			const text = ch.repeat(1_000_000);
			const n = getEncoder('o200k_base').count(text);
			const viaHeap: number[] = [];
			heapOnly.encodePiece(text.slice(0, 200_000), viaHeap);
			assert.ok(n > 0 && n <= Buffer.byteLength(text), `${ch}: ${n}`);
			// A run is periodic in its tokens away from its ends: 5× a fifth of it is 5× the tokens, ±1.
			assert.ok(Math.abs(n - 5 * viaHeap.length) <= 5, `${ch}: ${n} vs 5 × ${viaHeap.length}`);
		}
	});

	it('hasLongPiece finds a run of one class in one pass and ignores digits, which never make long pieces', () => {
		assert.equal(hasLongPiece('word '.repeat(10_000), 256), false);
		assert.equal(hasLongPiece('1'.repeat(10_000), 256), false);
		assert.equal(hasLongPiece(`${'a'.repeat(255)} ${'b'.repeat(255)}`, 256), false);
		assert.equal(hasLongPiece(`x${'a'.repeat(256)}`, 256), true);
		assert.equal(hasLongPiece('😀'.repeat(300), 256), true);
		assert.equal(hasLongPiece(' \t\n'.repeat(100), 256), true);
	});

	it('a long count can be cancelled: by its signal, or by the host check polled inside the merge', () => {
		const text = `intro ${'q'.repeat(600_000)} outro`;
		assert.throws(
			() => countText('gpt-4o', text, { signal: { aborted: true } }),
			(e: unknown) => CancelledError.is(e),
		);
		let polls = 0;
		const flipsLater = {
			get aborted() {
				return ++polls > 3;
			},
		};
		assert.throws(
			() => getEncoder('cl100k_base').count(text, { signal: flipsLater }),
			(e: unknown) => CancelledError.is(e),
		);
		assert.ok(polls > 3, 'polled while merging');
		setCountInterruptCheck(() => true);
		try {
			assert.throws(
				() => countText('claude-sonnet-4-5', text),
				(e: unknown) => CancelledError.is(e),
			);
		} finally {
			setCountInterruptCheck(undefined);
		}
		assert.ok(countText('gpt-4o', text).tokens > 0);
	});
});
