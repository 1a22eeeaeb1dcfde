import { InputError } from '../lib/errors';
import { versionSensitiveChars } from './pretokenizer';

/**
 * Incremental token counting for large documents: the text is cut into ~1 KB chunks at positions
 * where the pre-tokenizer provably restarts, so `count(text) == Σ count(chunk)` for cl100k and
 * o200k, and an edit re-tokenizes only the chunks it touches (≈0.2–0.5 ms per keystroke on 5 MB
 * instead of ≈0.7 s for a full recount).
 *
 * Safe boundary b (0 < b < length), from the team's tokenizer study (TOKENIZERS.md §3; 1.6 M
 * boundaries verified exhaustively there, and the property tests in
 * test/unit/core/tokens/chunkedCounter.test.ts re-check it after thousands of random edits).
 * "ws" is JS `\s` ∪ U+0085, a superset of both engines' `\s`:
 * - R_line:  T[b-1] == '\n' and T[b] ∉ ws and T[b] != '/'
 * - R_ws:    T[b-1] ∉ ws and T[b] ∈ {' ', '\t'}
 * - R_punct: T[b-1] ∈ [\p{L}\p{N}] and T[b] is ASCII punctuation other than "'"
 *   (T[b-1] must also classify the same in tiktoken's Unicode tables: a letter only the runtime knows
 *   would be punctuation to tiktoken and glue to the next character).
 * Why they hold: the pre-tokenizer is a left-to-right scan with no look-behind, so b is safe when no
 * piece of T crosses b and no end-anchored alternative (`\s+(?!\S)`, `\s+$`) can end at b on the
 * prefix. No alternative continues from a non-space into a space/tab (R_ws) or from a letter/digit
 * into ASCII punctuation (R_punct; the o200k contraction suffix starts with ', which is excluded);
 * after '\n' only `[\r\n/]*` or a whitespace run could continue, and T[b] is none of those (R_line:
 * `;\n//` is one o200k piece, hence the '/'). T[b-1] is not whitespace in R_ws/R_punct, and in R_line
 * the whitespace run ends at b in both the whole text and the prefix.
 * Whether b is safe depends only on T[b-1] and T[b], so an edit never invalidates boundaries outside
 * the re-split region [start of the chunk holding off-1, end of the chunk holding off+del].
 */

const lineRule = /\n(?=[^\s\u0085/])/g;
const wsRule = /[^\s\u0085](?=[ \t])/g;
const punctRule = /[\p{L}\p{N}](?=[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~])/gu;

/** First safe boundary b with lo ≤ b ≤ hi for one rule, or -1. */
function firstBoundary(rule: RegExp, text: string, lo: number, hi: number): number {
	// A rule matches the character before the boundary (two code units for astral letters).
	rule.lastIndex = Math.max(0, lo - 2);
	for (let m = rule.exec(text); m !== null; m = rule.exec(text)) {
		const b = m.index + m[0].length;
		if (b > hi) return -1;
		if (b < lo) continue;
		if (rule === punctRule && isVersionSensitive(m[0])) continue;
		return b;
	}
	return -1;
}

function isVersionSensitive(ch: string): boolean {
	if (ch.charCodeAt(0) < 0x80) return false;
	const sensitive = versionSensitiveChars();
	return sensitive !== null && sensitive.test(ch);
}

/** True when cutting `text` at `b` keeps the tokens identical (the three rules above). */
export function isSafeBoundary(text: string, b: number): boolean {
	if (b <= 0 || b >= text.length) return false;
	return firstBoundary(lineRule, text, b, b) === b || firstBoundary(wsRule, text, b, b) === b || firstBoundary(punctRule, text, b, b) === b;
}

/**
 * Splits `text` greedily: each chunk ends at the first safe boundary at or after `target` characters
 * (preferring line starts, then word starts, then punctuation within 4·target), else at the next safe
 * boundary anywhere; text without any safe boundary stays one chunk.
 */
export function splitAtSafeBoundaries(text: string, target: number): string[] {
	const chunks: string[] = [];
	let pos = 0;
	while (text.length - pos > target) {
		const lo = pos + target;
		const hi = Math.min(text.length - 1, pos + 4 * target);
		let b = firstBoundary(lineRule, text, lo, hi);
		if (b < 0) b = firstBoundary(wsRule, text, lo, hi);
		if (b < 0) b = firstBoundary(punctRule, text, lo, hi);
		if (b < 0) {
			const far = text.length - 1;
			const candidates = [firstBoundary(lineRule, text, hi, far), firstBoundary(wsRule, text, hi, far), firstBoundary(punctRule, text, hi, far)].filter(x => x > 0);
			if (candidates.length === 0) break;
			b = Math.min(...candidates);
		}
		chunks.push(text.slice(pos, b));
		pos = b;
	}
	chunks.push(text.slice(pos));
	return chunks;
}

/** A token count that may be approximate (pathological chunks pending an exact count). */
export interface ChunkedCount {
	readonly tokens: number;
	readonly exact: boolean;
}

export interface ChunkedCounterOptions {
	/** Chunk size in UTF-16 code units (default 1024: ≈0.1–0.5 ms per re-tokenized chunk). */
	readonly targetChunk?: number;
	/**
	 * Chunks longer than this are checked for a single pre-tokenizer piece of `longPiece` characters
	 * (a letter, CJK, punctuation or whitespace run). BPE is super-linear in the piece length (a
	 * 100k-letter run takes seconds in every library), so such a chunk gets an approximate count and
	 * {@link ChunkedCounter.refineNext} computes the exact one when the caller has time.
	 */
	readonly longPiece?: number;
	/**
	 * Approximate chunks longer than this are never refined (their exact count could block the worker
	 * for tens of seconds); the count stays marked ≈. Default 65 536.
	 */
	readonly maxRefineChunk?: number;
	/** The splitter (tests swap in an unsafe one as a negative control). */
	readonly split?: (text: string, target: number) => string[];
}

const defaultTarget = 1024;
const defaultLongPiece = 4096;
const defaultMaxRefine = 65_536;

/** Per-document chunk state; `count` is an exact tokenizer count (e.g. `getEncoder('o200k_base').count`). */
export class ChunkedCounter {
	private chunks: string[] = [];
	private counts: number[] = [];
	private approximate: boolean[] = [];
	private starts: number[] = [];
	private totalTokens = 0;
	private approximateChunks = 0;
	private readonly edgeMemo = new Map<string, ChunkedCount>();
	private readonly target: number;
	private readonly longPieceRe: RegExp;
	private readonly split: (text: string, target: number) => string[];
	private readonly maxRefine: number;

	constructor(
		text: string,
		private readonly count: (text: string) => number,
		options: ChunkedCounterOptions = {},
	) {
		this.target = Math.max(16, options.targetChunk ?? defaultTarget);
		const n = Math.max(64, options.longPiece ?? defaultLongPiece);
		this.longPieceRe = new RegExp(`[\\p{L}\\p{M}]{${n}}|[^\\s\\p{L}\\p{N}]{${n}}|\\s{${n}}`, 'u');
		this.split = options.split ?? splitAtSafeBoundaries;
		this.maxRefine = options.maxRefineChunk ?? defaultMaxRefine;
		this.reset(text);
	}

	/** Replaces the whole text (open, revert, reload, or resync after a lost edit). */
	reset(text: string): void {
		this.chunks = [];
		this.counts = [];
		this.approximate = [];
		this.totalTokens = 0;
		this.approximateChunks = 0;
		this.insertChunks(0, this.split(text, this.target));
		this.rebuildStarts(0);
	}

	get length(): number {
		// Never empty: the splitter returns at least one chunk and an emptied document keeps ''.
		const last = this.chunks.length - 1;
		return this.starts[last]! + this.chunks[last]!.length;
	}

	get chunkCount(): number {
		return this.chunks.length;
	}

	/** The whole document's count. */
	total(): ChunkedCount {
		return { tokens: this.totalTokens, exact: this.approximateChunks === 0 };
	}

	/** The current text (for tests and resync checks; O(n)). */
	text(): string {
		return this.chunks.join('');
	}

	/** The text in [start, end), clamped to the document; joins only the chunks it spans. */
	slice(start: number, end: number): string {
		const length = this.length;
		const s = Math.max(0, Math.min(start, length));
		const e = Math.max(s, Math.min(end, length));
		if (s === e) return '';
		const a = this.chunkAt(s);
		const b = this.chunkAt(e - 1);
		if (a === b) return this.chunks[a]!.slice(s - this.starts[a]!, e - this.starts[a]!);
		const parts = [this.chunks[a]!.slice(s - this.starts[a]!)];
		for (let i = a + 1; i < b; i++) parts.push(this.chunks[i]!);
		parts.push(this.chunks[b]!.slice(0, e - this.starts[b]!));
		return parts.join('');
	}

	/**
	 * Applies one `TextDocumentContentChangeEvent` (`rangeOffset`, `rangeLength`, `text`), re-tokenizing
	 * only the chunks from the one holding `rangeOffset - 1` to the one holding `rangeOffset + rangeLength`.
	 */
	applyEdit(rangeOffset: number, rangeLength: number, text: string): void {
		const length = this.length;
		if (!Number.isInteger(rangeOffset) || !Number.isInteger(rangeLength) || rangeOffset < 0 || rangeLength < 0 || rangeOffset + rangeLength > length) {
			throw new InputError('badArgument', `edit [${rangeOffset}, +${rangeLength}] is outside the document (length ${length})`);
		}
		const first = this.chunkAt(Math.max(0, rangeOffset - 1));
		let last = this.chunkAt(Math.min(length - 1, rangeOffset + rangeLength));
		if (last < first) last = first;
		const regionStart = this.starts[first]!;
		let region = this.chunks.slice(first, last + 1).join('');
		// Keep chunks from shrinking without bound under deletions: absorb the next chunk too.
		if (region.length - rangeLength + text.length < this.target / 2 && last + 1 < this.chunks.length) {
			last++;
			region += this.chunks[last];
		}
		const local = rangeOffset - regionStart;
		const edited = region.slice(0, local) + text + region.slice(local + rangeLength);
		this.removeChunks(first, last - first + 1);
		// An emptied region leaves no chunk behind, except in an emptied document (which keeps one '').
		const parts = this.split(edited, this.target).filter(p => p.length > 0);
		this.insertChunks(first, parts.length === 0 && this.chunks.length === 0 ? [''] : parts);
		this.rebuildStarts(Math.min(first, this.chunks.length - 1));
	}

	/**
	 * Tokens of the text in [start, end) (a selection). Chunk boundaries inside the range are safe
	 * boundaries of the selected text too, so only the two partial edge chunks are tokenized.
	 */
	countRange(start: number, end: number): ChunkedCount {
		const length = this.length;
		const s = Math.max(0, Math.min(start, length));
		const e = Math.max(s, Math.min(end, length));
		if (s === e) return { tokens: 0, exact: true };
		const a = this.chunkAt(s);
		const b = this.chunkAt(e - 1);
		if (a === b) return this.countEdge(this.chunks[a]!.slice(s - this.starts[a]!, e - this.starts[a]!));
		const head = this.countEdge(this.chunks[a]!.slice(s - this.starts[a]!));
		const tail = this.countEdge(this.chunks[b]!.slice(0, e - this.starts[b]!));
		let tokens = head.tokens + tail.tokens;
		let exact = head.exact && tail.exact;
		for (let i = a + 1; i < b; i++) {
			tokens += this.counts[i]!;
			exact &&= !this.approximate[i];
		}
		return { tokens, exact };
	}

	/** True while some chunk only has an approximate count. */
	hasApproximate(): boolean {
		return this.approximateChunks > 0;
	}

	/** True while some approximate chunk is small enough for {@link refineNext}. */
	hasRefinable(): boolean {
		return this.refinableIndex() >= 0;
	}

	/**
	 * Counts the first refinable approximate chunk exactly (may take a second or more for a long
	 * single piece: call it off the UI thread, between messages). Returns {@link hasRefinable}.
	 */
	refineNext(): boolean {
		const i = this.refinableIndex();
		if (i >= 0) {
			const exact = this.count(this.chunks[i]!);
			this.totalTokens += exact - this.counts[i]!;
			this.counts[i] = exact;
			this.approximate[i] = false;
			this.approximateChunks--;
		}
		return this.hasRefinable();
	}

	private refinableIndex(): number {
		if (this.approximateChunks === 0) return -1;
		for (let i = 0; i < this.chunks.length; i++) if (this.approximate[i] && this.chunks[i]!.length <= this.maxRefine) return i;
		return -1;
	}

	/**
	 * A partial chunk at a range's edge. The same range is asked for again and again (a prompt's body
	 * on every keystroke, a selection while typing elsewhere) and its edges rarely change, so the last
	 * few edge counts are remembered by their text — comparing ≤ 4 KB of text is far cheaper than
	 * tokenizing it.
	 */
	private countEdge(text: string): ChunkedCount {
		if (text.length < 64) return this.countPiece(text);
		const hit = this.edgeMemo.get(text);
		if (hit) return hit;
		const c = this.countPiece(text);
		if (this.edgeMemo.size >= 8) this.edgeMemo.delete(this.edgeMemo.keys().next().value as string);
		this.edgeMemo.set(text, c);
		return c;
	}

	private countPiece(text: string): ChunkedCount {
		if (this.isPathological(text)) return { tokens: approximateTokens(text), exact: false };
		return { tokens: this.count(text), exact: true };
	}

	private isPathological(text: string): boolean {
		return text.length > this.target * 4 && this.longPieceRe.test(text);
	}

	private insertChunks(at: number, parts: string[]): void {
		const counts: number[] = [];
		const approx: boolean[] = [];
		for (const part of parts) {
			const c = this.countPiece(part);
			counts.push(c.tokens);
			approx.push(!c.exact);
			this.totalTokens += c.tokens;
			if (!c.exact) this.approximateChunks++;
		}
		this.chunks.splice(at, 0, ...parts);
		this.counts.splice(at, 0, ...counts);
		this.approximate.splice(at, 0, ...approx);
	}

	private removeChunks(at: number, n: number): void {
		for (let i = at; i < at + n; i++) {
			this.totalTokens -= this.counts[i]!;
			if (this.approximate[i]) this.approximateChunks--;
		}
		this.chunks.splice(at, n);
		this.counts.splice(at, n);
		this.approximate.splice(at, n);
	}

	private rebuildStarts(from: number): void {
		this.starts.length = this.chunks.length;
		let pos = from === 0 ? 0 : this.starts[from - 1]! + this.chunks[from - 1]!.length;
		for (let i = from; i < this.chunks.length; i++) {
			this.starts[i] = pos;
			pos += this.chunks[i]!.length;
		}
	}

	/** Index of the chunk holding position `pos` (binary search over chunk starts). */
	private chunkAt(pos: number): number {
		let lo = 0;
		let hi = this.chunks.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (this.starts[mid]! <= pos) lo = mid;
			else hi = mid - 1;
		}
		return lo;
	}
}

/** ≈ tokens of a pathological run: o200k/cl100k average about 4 UTF-8 bytes per token on such runs. */
function approximateTokens(text: string): number {
	let bytes = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 2 : 3;
	}
	return Math.ceil(bytes / 4);
}
