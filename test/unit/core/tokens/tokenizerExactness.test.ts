import * as assert from 'node:assert/strict';
import { seededRandom } from '../../../../src/core/ports/clock';
import { getEncoder } from '../../../../src/core/tokens/encodings';
import { decodeRanges, fastSplitRegex, pinnedSplitRegex, versionSensitiveChars } from '../../../../src/core/tokens/pretokenizer';
import type { EncodingName } from '../../../../src/core/tokens/types';
import { pinnedClassRanges } from '../../../../src/core/tokens/unicodeClasses.gen';
import { tokenCorpus } from '../../../support/tokenCorpus';
import { freeReferences, tiktokenReference } from '../../../support/tiktokenReference';

// The reference is tiktoken's Rust core (test/support/tiktokenReference.ts).

const encodings: EncodingName[] = ['o200k_base', 'cl100k_base'];
after(freeReferences);

/** Index of the first differing id, or -1. */
function firstDifference(a: readonly number[], b: Uint32Array): number {
	const n = Math.max(a.length, b.length);
	for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
	return -1;
}

function assertSameIds(name: EncodingName, text: string, label: string): void {
	const ours = getEncoder(name).encode(text);
	const ref = tiktokenReference(name).encode_ordinary(text);
	const at = firstDifference(ours, ref);
	if (at >= 0) assert.fail(`${name} ${label}: ids differ at token ${at} (ours ${ours.length}, tiktoken ${ref.length} tokens) in ${JSON.stringify(text.slice(0, 120))}`);
}

describe('tokenizer exactness vs tiktoken (Rust core, WASM)', function () {
	this.timeout(240_000);
	const corpus = tokenCorpus();

	it('the corpus is real and varied (≥ 5.5 M characters over six categories)', () => {
		const size = corpus.reduce((n, f) => n + f.text.length, 0);
		const categories = new Set(corpus.map(f => f.category));
		assert.ok(size > 5_500_000, `corpus has only ${size} chars`);
		assert.deepEqual([...categories].sort(), ['code', 'edge', 'json', 'nonenglish', 'prose', 'transcripts']);
		assert.ok(corpus.length > 150, `only ${corpus.length} files`);
	});

	for (const name of encodings) {
		it(`${name}: identical ids on every corpus file, and count() == encode().length`, () => {
			let tokens = 0;
			for (const f of corpus) {
				assertSameIds(name, f.text, f.name);
				const n = getEncoder(name).count(f.text);
				assert.equal(n, tiktokenReference(name).encode_ordinary(f.text).length, `${name} count ${f.name}`);
				tokens += n;
			}
			assert.ok(tokens > 1_000_000, `${name}: only ${tokens} tokens counted`);
		});
	}

	const edgeCases: [string, string][] = [
		['U+0085 (Rust \\s, not JS \\s)', 'x \u0085y \u0085\u0085z\n\u0085'],
		['U+0085 after spaces', 'a  \u0085 b'],
		['U+FEFF at start (BOM)', '\uFEFFhello world'],
		['U+FEFF after spaces (JS \\s, not Rust \\s)', 'a   \uFEFF b \uFEFF\uFEFF'],
		['U+FEFF inside a word', 'hel\uFEFFlo'],
		['special-token text is plain text', '<|endoftext|> <|im_start|>user<|im_sep|>hi<|im_end|> <|fim_prefix|><|fim_middle|><|fim_suffix|><|endofprompt|>'],
		['long s folds to s in contractions', "x'\u017Fy it'\u017F"],
		['upper-case contractions', "DON'T WE'LL THEY'RE I'M"],
		['Kelvin sign, dotted I', '\u212A 5\u212A \u0130stanbul i\u0307'],
		['lone and reversed surrogates', 'a\uD800b \uDC00c \uDC00\uD800 d\uD83D'],
		['line/paragraph separators, ideographic space, NBSP, ZWSP', 'a\u2028b\u2029c\u3000d\u00A0e\u200Bf'],
		['VT and FF', 'a\u000Bb\u000Cc \u000B\u000C d'],
		['CRLF and trailing whitespace', 'line1\r\nline2  \r\n\r\n  \n'],
		['`;\\n//` is one o200k piece', 'x = 1;\n// comment\n'],
		['emoji sequences', '👨‍👩‍👧‍👦 🏳️‍🌈 🇩🇪 👍🏽 1️⃣'],
		['a letter only Unicode 17 knows (U+A7CE)', "Ab\uA7CE's \uA7CE\uA7CF123"],
		['a letter whose category changed in Unicode 17 (U+0295)', "a\u0295's \u0295\u0295x"],
		['combining marks', 'e\u0301\u0301 \u0915\u094D\u0937 Z\u0351\u0352'],
		['empty string', ''],
	];
	for (const name of encodings) {
		it(`${name}: edge cases`, () => {
			for (const [label, text] of edgeCases) assertSameIds(name, text, label);
			assert.equal(getEncoder(name).count(''), 0);
		});
	}

	// The alphabet of the team's tokenizer study (TOKENIZERS.md §1.2) plus the characters our own fixes are about.
	const alphabet = [
		'\u0085',
		'\uFEFF',
		'\r',
		'\n',
		' ',
		'  ',
		'\t',
		'中',
		'文',
		'\u0301',
		'😀',
		'\uD800',
		'\uDC00',
		'\u017F',
		'\u212A',
		'\u0130',
		'\u2028',
		'\u3000',
		'\u00A0',
		'\u200B',
		'\u000B',
		'a',
		'A',
		's',
		'S',
		"'",
		'e',
		'ʕ',
		'\uA7CE',
		'é',
		'1',
		'12',
		'.',
		'/',
		',',
		'!',
		'll',
		'RE',
		'x',
	];
	for (const name of encodings) {
		it(`${name}: 6000 random strings over a hostile alphabet`, () => {
			const random = seededRandom(name === 'o200k_base' ? 200 : 100);
			for (let i = 0; i < 6000; i++) {
				const length = 1 + Math.floor(random.next() * 24);
				let text = '';
				for (let k = 0; k < length; k++) text += alphabet[Math.floor(random.next() * alphabet.length)];
				assertSameIds(name, text, `fuzz #${i}`);
			}
		});
	}

	const templates = [
		(c: string) => `a${c}b`,
		(c: string) => ` ${c}`,
		(c: string) => `1${c}2`,
		(c: string) => `${c}${c}x`,
		(c: string) => `x'${c}y`,
		(c: string) => `\n${c}`,
		(c: string) => `${c}  \n`,
		(c: string) => `Ab${c}'s`,
		(c: string) => `.${c}\n/`,
		(c: string) => `${c}123`,
		(c: string) => `ab${c}Cd`,
	];

	for (const name of encodings) {
		it(`${name}: every code point whose Unicode class differs between this runtime and tiktoken, in 11 contexts`, () => {
			const sensitive = versionSensitiveChars();
			const cps: number[] = [];
			if (sensitive) for (let cp = 0; cp <= 0x3ffff; cp++) if (!(cp >= 0xd800 && cp <= 0xdfff) && sensitive.test(String.fromCodePoint(cp))) cps.push(cp);
			// Only a runtime on exactly Unicode 16 has nothing to check here (Node 20.20 has 17.0: ≈4.7k code points).
			if (process.versions.unicode !== '16.0') assert.ok(cps.length > 1000, `runtime Unicode ${process.versions.unicode}: only ${cps.length} version-sensitive code points`);
			for (const cp of cps) for (const t of templates) assertSameIds(name, t(String.fromCodePoint(cp)), `U+${cp.toString(16)}`);
		});

		it(`${name}: 15000 random code points in 11 contexts`, () => {
			const random = seededRandom(name === 'o200k_base' ? 7 : 8);
			for (let i = 0; i < 15000; i++) {
				// Half from the BMP, half from all planes.
				const cp = Math.floor(random.next() * (i % 2 ? 0x110000 : 0x10000));
				const c = String.fromCodePoint(cp);
				for (const t of templates) assertSameIds(name, t(c), `U+${cp.toString(16)}`);
			}
		});
	}
});

describe('pre-tokenizer', () => {
	it('the pinned tables are Unicode 16 (tiktoken 1.0.22) and decode to sorted, disjoint ranges', () => {
		for (const key of ['L', 'N', 'UP', 'LO'] as const) {
			const r = decodeRanges(pinnedClassRanges[key]);
			for (let i = 0; i < r.length; i += 2) {
				assert.ok(r[i] <= r[i + 1], `${key} range ${i / 2}`);
				if (i > 0) assert.ok(r[i] > r[i - 1] + 1, `${key} ranges ${i / 2 - 1} and ${i / 2} touch or overlap`);
			}
		}
		const L = decodeRanges(pinnedClassRanges.L);
		const inL = (cp: number) => {
			for (let i = 0; i < L.length; i += 2) if (cp >= L[i] && cp <= L[i + 1]) return true;
			return false;
		};
		assert.ok(inL(0x41) && inL(0x4e00) && inL(0x1c89), 'A, 中 and U+1C89 (new in Unicode 16) are letters');
		assert.ok(!inL(0xa7ce), 'U+A7CE (new in Unicode 17) is not a letter for tiktoken 1.0.22');
	});

	it('the fast and the pinned splitters give the same pieces on text without version-sensitive characters', () => {
		const text = tokenCorpus({ caps: { code: 200_000, prose: 200_000, json: 50_000, nonenglish: 300_000, transcripts: 100_000, edge: 200_000 } })
			.map(f => f.text)
			.join('\n');
		const sensitive = versionSensitiveChars();
		const clean = sensitive ? text.replace(new RegExp(sensitive.source, 'gu'), '?') : text;
		for (const name of encodings) {
			const fast = [...clean.matchAll(fastSplitRegex(name))].map(m => m[0]);
			const pinned = [...clean.matchAll(pinnedSplitRegex(name))].map(m => m[0]);
			assert.equal(fast.length, pinned.length, name);
			assert.ok(
				fast.every((p, i) => p === pinned[i]),
				name,
			);
		}
	});
});
