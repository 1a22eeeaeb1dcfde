import type { EncodingName } from './types';
import { pinnedClassRanges } from './unicodeClasses.gen';

/**
 * The pre-tokenizer ("pat_str") of tiktoken's Rust core, rewritten for JS regexes so the pieces are
 * identical on every input. Three Rust/JS differences need care (each one pinned by a unit test):
 *
 * 1. `\s`: Rust's `\s` is Unicode White_Space (includes U+0085 NEL, excludes U+FEFF); JS `\s`
 *    includes U+FEFF and not U+0085. We spell the Rust set out.
 * 2. `(?i:'s|'t|'re|'ve|'m|'ll|'d)`: JS (Node 20) has no inline flags, and Rust's case folding
 *    also matches U+017F (ſ, long s) for `s`. We spell the folded classes out.
 * 3. `\p{L}`, `\p{N}`, `\p{Lu}`…: each engine uses its own Unicode version (tiktoken 1.0.22: 16.0;
 *    Node 20.20: 17.0; older Electrons: 15.x). The fast regexes use the runtime's `\p{…}` (6× faster
 *    than huge explicit classes in V8); the rare text holding a code point whose class differs
 *    between the runtime and Unicode 16 is split with explicit pinned classes instead
 *    ({@link versionSensitiveChars}).
 */

/** Rust's `\s` (Unicode White_Space), as the body of a character class. */
const ws = String.raw`\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;
/** `(?i:'s|'t|'re|'ve|'m|'ll|'d)` with Rust's simple case folding (s ↔ ſ). */
const contraction = String.raw`'(?:[sS\u017F]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD])`;

interface ClassBodies {
	/** \p{L} */
	readonly L: string;
	/** \p{N} */
	readonly N: string;
	/** [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] */
	readonly UP: string;
	/** [\p{Ll}\p{Lm}\p{Lo}\p{M}] */
	readonly LO: string;
}

const runtimeClasses: ClassBodies = {
	L: String.raw`\p{L}`,
	N: String.raw`\p{N}`,
	UP: String.raw`\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}`,
	LO: String.raw`\p{Ll}\p{Lm}\p{Lo}\p{M}`,
};

/** tiktoken cl100k_base: `(?i:'s|…)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+` */
function cl100kSource(c: ClassBodies): string {
	return [contraction, `[^\\r\\n${c.L}${c.N}]?[${c.L}]+`, `[${c.N}]{1,3}`, ` ?[^${ws}${c.L}${c.N}]+[\\r\\n]*`, `[${ws}]*[\\r\\n]+`, `[${ws}]+(?![^${ws}])`, `[${ws}]+`].join('|');
}

/** tiktoken o200k_base (see tiktoken_ext/openai_public.py), with the same rewrites. */
function o200kSource(c: ClassBodies): string {
	return [
		`[^\\r\\n${c.L}${c.N}]?[${c.UP}]*[${c.LO}]+(?:${contraction})?`,
		`[^\\r\\n${c.L}${c.N}]?[${c.UP}]+[${c.LO}]*(?:${contraction})?`,
		`[${c.N}]{1,3}`,
		` ?[^${ws}${c.L}${c.N}]+[\\r\\n/]*`,
		`[${ws}]*[\\r\\n]+`,
		`[${ws}]+(?![^${ws}])`,
		`[${ws}]+`,
	].join('|');
}

const sources: Record<EncodingName, (c: ClassBodies) => string> = { cl100k_base: cl100kSource, o200k_base: o200kSource };

/** The fast pre-tokenizer (runtime `\p{…}` tables). A fresh RegExp each call: callers own its lastIndex. */
export function fastSplitRegex(encoding: EncodingName): RegExp {
	return new RegExp(sources[encoding](runtimeClasses), 'gu');
}

/** The pre-tokenizer with classes pinned to tiktoken's Unicode version; exact on every input, ~6× slower. */
export function pinnedSplitRegex(encoding: EncodingName): RegExp {
	return new RegExp(sources[encoding](pinnedClassBodies()), 'gu');
}

/** Decodes the generator's base-36 "gap.length" list into inclusive [start, end] pairs. */
export function decodeRanges(encoded: string): number[] {
	const out: number[] = [];
	let prevEnd = -1;
	for (const item of encoded.split(',')) {
		const dot = item.indexOf('.');
		const start = prevEnd + 1 + parseInt(item.slice(0, dot), 36);
		const end = start + parseInt(item.slice(dot + 1), 36);
		out.push(start, end);
		prevEnd = end;
	}
	return out;
}

function classBody(ranges: readonly number[]): string {
	const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
	let body = '';
	for (let i = 0; i < ranges.length; i += 2) body += ranges[i] === ranges[i + 1] ? hex(ranges[i]!) : `${hex(ranges[i]!)}-${hex(ranges[i + 1]!)}`;
	return body;
}

let pinnedBodies: ClassBodies | undefined;
function pinnedClassBodies(): ClassBodies {
	pinnedBodies ??= {
		L: classBody(decodeRanges(pinnedClassRanges.L)),
		N: classBody(decodeRanges(pinnedClassRanges.N)),
		UP: classBody(decodeRanges(pinnedClassRanges.UP)),
		LO: classBody(decodeRanges(pinnedClassRanges.LO)),
	};
	return pinnedBodies;
}

// Planes that hold every letter, number and mark up to Unicode 17 (BMP, SMP, SIP, TIP, SSP).
// Planes 4–13 are unassigned and 15–16 are private use (never L/N/M), so they cannot differ.
const scannedPlanes: readonly (readonly [number, number])[] = [
	[0x0000, 0x3ffff],
	[0xe0000, 0xeffff],
];

/** Every scalar value of the scanned planes in order, as one string (surrogates skipped). */
function allScannedCodePoints(): string {
	const parts: string[] = [];
	const batch: number[] = [];
	for (const [lo, hi] of scannedPlanes) {
		for (let cp = lo; cp <= hi; cp++) {
			if (cp >= 0xd800 && cp <= 0xdfff) {
				// NUL is in no class, so no run can bridge the surrogate gap (or the gap between planes).
				if (cp === 0xd800) batch.push(0);
				continue;
			}
			batch.push(cp);
			if (batch.length >= 4096) {
				parts.push(String.fromCodePoint(...batch));
				batch.length = 0;
			}
		}
		batch.push(0);
	}
	parts.push(String.fromCodePoint(...batch));
	return parts.join('');
}

/** Inclusive ranges where `body` matches, found by scanning `all` with `[body]+`. */
function runtimeRanges(all: string, body: string): number[] {
	const out: number[] = [];
	for (const m of all.matchAll(new RegExp(`[${body}]+`, 'gu'))) {
		const run = m[0];
		const last = run.charCodeAt(run.length - 1);
		const endIndex = last >= 0xdc00 && last <= 0xdfff ? run.length - 2 : run.length - 1;
		out.push(run.codePointAt(0)!, run.codePointAt(endIndex)!);
	}
	return out;
}

/** Membership as a sorted list of boundaries (toggle points) restricted to the scanned planes. */
function toggles(ranges: readonly number[]): number[] {
	const out: number[] = [];
	for (let i = 0; i < ranges.length; i += 2) {
		const [s, e] = [ranges[i]!, ranges[i + 1]!];
		for (const [lo, hi] of scannedPlanes) {
			const a = Math.max(s, lo);
			const b = Math.min(e, hi);
			if (a <= b) out.push(a, b + 1);
		}
	}
	return out;
}

/** Symmetric difference of two range sets, as inclusive ranges. */
function symmetricDifference(a: readonly number[], b: readonly number[]): number[] {
	const points = [...toggles(a), ...toggles(b)].sort((x, y) => x - y);
	const out: number[] = [];
	let parity = 0;
	let start = 0;
	for (let i = 0; i < points.length;) {
		const p = points[i]!;
		let flips = 0;
		while (i < points.length && points[i] === p) {
			flips++;
			i++;
		}
		if (flips % 2 === 0) continue;
		parity ^= 1;
		if (parity === 1) start = p;
		else out.push(start, p - 1);
	}
	return out;
}

let sensitive: RegExp | null | undefined;

/**
 * A regex matching the code points whose class (L, N, UP or LO) differs between this JS runtime and
 * the pinned Unicode tables, or `null` when there are none. Computed once per process by scanning the
 * assigned planes (≈40 ms on a 2-core VM; only reached when a text holds non-ASCII characters).
 */
export function versionSensitiveChars(): RegExp | null {
	if (sensitive !== undefined) return sensitive;
	const all = allScannedCodePoints();
	const diff: number[] = [];
	for (const key of ['L', 'N', 'UP', 'LO'] as const) {
		diff.push(...symmetricDifference(decodeRanges(pinnedClassRanges[key]), runtimeRanges(all, runtimeClasses[key])));
	}
	sensitive = diff.length ? new RegExp(`[${classBody(mergeRanges(diff))}]`, 'u') : null;
	return sensitive;
}

function mergeRanges(ranges: readonly number[]): number[] {
	const pairs: [number, number][] = [];
	for (let i = 0; i < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
	pairs.sort((x, y) => x[0] - y[0]);
	const out: number[] = [];
	for (const [s, e] of pairs) {
		if (out.length && s <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, e);
		else out.push(s, e);
	}
	return out;
}

const nonAscii = /[^\0-\x7F]/;

/**
 * True when `text` must be split with {@link pinnedSplitRegex} because the runtime's Unicode tables
 * would classify one of its characters differently from tiktoken's. ASCII never differs, so pure
 * ASCII text never pays for computing the table difference.
 */
export function needsPinnedClasses(text: string): boolean {
	if (sensitive === null) return false;
	if (sensitive === undefined && !nonAscii.test(text)) return false;
	const chars = versionSensitiveChars();
	return chars !== null && chars.test(text);
}
