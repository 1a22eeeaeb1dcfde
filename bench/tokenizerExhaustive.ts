// Exhaustive equality check against tiktoken's Rust core (WASM): every Unicode code point (incl.
// lone surrogates) in 12 contexts chosen to expose each pre-tokenizer class (letters, marks,
// numbers, whitespace, contractions, punctuation runs), both encodings: ≈13 M strings each.
// Slow (≈15 min per encoding on 2 vCPUs): node scripts/benchTokens.mjs --exhaustive
// Writes bench/results/tokenizerExhaustive.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { get_encoding } from 'tiktoken';
import { getEncoder } from '../src/core/tokens/encodings';
import type { EncodingName } from '../src/core/tokens/types';
import { repoRoot } from '../test/support/paths';

const templates: [string, (c: string) => string][] = [
	['a·b', c => `a${c}b`],
	['space·', c => ` ${c}`],
	['1·2', c => `1${c}2`],
	['··x', c => `${c}${c}x`],
	["x'·y", c => `x'${c}y`],
	['LF·', c => `\n${c}`],
	['· x', c => `${c} x`],
	['·  LF', c => `${c}  \n`],
	["Ab·'s", c => `Ab${c}'s`],
	['.·LF/', c => `.${c}\n/`],
	['·123', c => `${c}123`],
	['ab·Cd', c => `ab${c}Cd`],
];

const results: { encoding: EncodingName; strings: number; mismatches: number; firstMismatches: string[]; seconds: number }[] = [];
for (const name of ['o200k_base', 'cl100k_base'] as const) {
	const ours = getEncoder(name);
	const ref = get_encoding(name);
	const started = performance.now();
	let strings = 0;
	let mismatches = 0;
	const firstMismatches: string[] = [];
	for (let cp = 0; cp <= 0x10ffff; cp++) {
		const c = String.fromCodePoint(cp);
		for (const [label, t] of templates) {
			const s = t(c);
			strings++;
			const a = ours.encode(s);
			const b = ref.encode_ordinary(s);
			if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
				mismatches++;
				if (firstMismatches.length < 20) firstMismatches.push(`U+${cp.toString(16)} ${label}`);
			}
		}
	}
	ref.free();
	results.push({ encoding: name, strings, mismatches, firstMismatches, seconds: Math.round((performance.now() - started) / 1000) });
	console.log(JSON.stringify(results[results.length - 1]));
}
const dir = join(repoRoot(), 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
	join(dir, 'tokenizerExhaustive.json'),
	JSON.stringify(
		{ generatedBy: 'bench/tokenizerExhaustive.ts', date: new Date().toISOString(), node: process.version, loadAverageAtEnd: loadavg(), templates: templates.map(t => t[0]), results },
		null,
		'\t',
	) + '\n',
);
