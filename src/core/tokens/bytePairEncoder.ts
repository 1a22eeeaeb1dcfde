import { BytePairEncodingCore, type RawBytePairRanks } from 'gpt-tokenizer/BytePairEncodingCore';
import { splitAtSafeBoundaries } from './chunkedCounter';
import { countInterrupt, type CountOptions } from './countInterrupt';
import { hasLongPiece } from './longPieces';
import { fastSplitRegex, needsPinnedClasses, pinnedSplitRegex } from './pretokenizer';
import type { EncodingName } from './types';

/**
 * A text with a run this long (see `longPieces.ts`) is counted on the exact linear path: cut at safe
 * chunk boundaries, and only the chunks holding such a run are merged by {@link ReferenceBpe}.
 */
const longPieceChars = 256;
const guardedChunkChars = 4096;

/**
 * gpt-tokenizer has no "no special tokens" mode: with an empty special-token map its sticky regex is
 * `//y`, which matches the empty string at every index and makes each call O(n) regex execs. One
 * token that cannot be allowed (we never pass `allowedSpecial`) keeps that scan O(1) and makes
 * `<|endoftext|>` & co. plain text, as in tiktoken's `encode_ordinary` (and the OpenAI API).
 */
const noSpecialTokens = new Map([['\u0000<|agent-cost-lens:no-special-tokens|>\u0000', -1]]);

/**
 * A tiktoken encoding with ids identical to tiktoken's Rust core (`encode_ordinary`).
 *
 * The hot path is gpt-tokenizer's BPE core (the fastest JS implementation measured here) driven by
 * our Rust-exact pre-tokenizer. Two rare inputs take an exact slow path instead:
 * - U+FEFF: gpt-tokenizer decodes candidate byte pairs with a BOM-stripping TextDecoder, so a piece
 *   starting with EF BB BF is looked up without its BOM (+1 token per U+FEFF);
 * - characters whose Unicode class differs between the JS runtime and tiktoken's tables.
 * The slow path splits with the pinned pre-tokenizer and runs a plain byte-level BPE
 * ({@link ReferenceBpe}) built lazily from the same ranks.
 */
export class TiktokenEncoder {
	private readonly core: BytePairEncodingCore;
	private readonly slowSplit: { fast?: RegExp; pinned?: RegExp } = {};
	private reference: ReferenceBpe | undefined;

	constructor(
		readonly name: EncodingName,
		private readonly ranks: RawBytePairRanks,
	) {
		this.core = new BytePairEncodingCore({
			bytePairRankDecoder: ranks,
			specialTokensEncoder: noSpecialTokens,
			tokenSplitRegex: fastSplitRegex(name),
		});
	}

	/**
	 * Token ids of `text`, special-token text counted as plain text. Linear time on every input (see
	 * {@link longPieceChars}); throws only `CancelledError` when `options.signal` (or the host's
	 * interrupt check) says so.
	 */
	encode(text: string, options: CountOptions = {}): number[] {
		const interrupted = countInterrupt(options.signal);
		const slow = this.slowPathSplitter(text);
		if (slow) return this.encodeSlow(text, slow, interrupted);
		if (text.length >= longPieceChars && hasLongPiece(text, longPieceChars)) return this.encodeGuarded(text, interrupted);
		return this.core.encodeNative(text);
	}

	/** Number of tokens of `text` (same as `encode(text).length`, without building the array on the common path). */
	count(text: string, options: CountOptions = {}): number {
		const interrupted = countInterrupt(options.signal);
		const slow = this.slowPathSplitter(text);
		if (slow) return this.encodeSlow(text, slow, interrupted).length;
		if (text.length >= longPieceChars && hasLongPiece(text, longPieceChars)) return this.encodeGuarded(text, interrupted).length;
		return this.core.countNative(text);
	}

	/**
	 * A text with a long piece: chunks cut at safe boundaries (the pre-tokenizer restarts there, so the
	 * ids are the same as the whole text's); ordinary chunks go to the fast core, chunks holding a long
	 * run to the linear reference merge.
	 */
	private encodeGuarded(text: string, interrupted: (() => void) | undefined): number[] {
		const out: number[] = [];
		for (const chunk of splitAtSafeBoundaries(text, guardedChunkChars)) {
			interrupted?.();
			if (chunk.length >= longPieceChars && hasLongPiece(chunk, longPieceChars)) {
				for (const id of this.encodeSlow(chunk, (this.slowSplit.fast ??= fastSplitRegex(this.name)), interrupted)) out.push(id);
			} else for (const id of this.core.encodeNative(chunk)) out.push(id);
		}
		return out;
	}

	/** The splitter for the exact slow path, or undefined when the fast path is exact for `text`. */
	private slowPathSplitter(text: string): RegExp | undefined {
		if (needsPinnedClasses(text)) return (this.slowSplit.pinned ??= pinnedSplitRegex(this.name));
		if (text.includes('\uFEFF')) return (this.slowSplit.fast ??= fastSplitRegex(this.name));
		return undefined;
	}

	private encodeSlow(text: string, splitter: RegExp, interrupted: (() => void) | undefined): number[] {
		this.reference ??= new ReferenceBpe(this.ranks);
		const out: number[] = [];
		// exec on the shared regex, not matchAll: matchAll clones the regex, and V8 recompiles a clone
		// of the ~50 KB pinned pattern on every call.
		splitter.lastIndex = 0;
		for (let m = splitter.exec(text); m !== null; m = splitter.exec(text)) this.reference.encodePiece(m[0], out, interrupted);
		return out;
	}
}

const encoder = new TextEncoder();

/** UTF-8 bytes as a binary string (one char per byte): a cheap, exact Map key for byte sequences. */
function binaryKey(bytes: ArrayLike<number>): string {
	if (bytes.length <= 16) {
		let s = '';
		for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
		return s;
	}
	// Long pieces (a megabyte-long run): whole blocks at a time, not one concatenation per byte.
	const parts: string[] = [];
	const array = bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes);
	for (let i = 0; i < array.length; i += 8192) parts.push(String.fromCharCode.apply(null, array.subarray(i, i + 8192) as unknown as number[]));
	return parts.join('');
}

/**
 * tiktoken's `byte_pair_merge` over raw bytes: repeatedly merge the adjacent pair whose bytes have
 * the lowest rank (the leftmost on a tie) until no pair has one. No string/byte round trips, so it
 * is exact on every byte sequence. Short pieces run tiktoken's own O(n²) loop; long ones the same
 * merges in the same order from a min-heap keyed by (rank, start) over a linked list of parts —
 * O(n log n), so a 1 MB run of one character takes well under a second instead of hours. Building
 * the byte map takes ≈0.1–0.2 s, so it is created only when a text needs it.
 */
export class ReferenceBpe {
	private readonly byBytes = new Map<string, number>();
	/** No token is longer than this many bytes: longer pairs need no look-up. */
	private readonly maxTokenBytes: number;

	private readonly longPieceBytes: number;

	/** `longPieceBytes`: pieces longer than this skip tiktoken's O(n²) scan (tests force one path or the other). */
	constructor(ranks: RawBytePairRanks, options: { readonly longPieceBytes?: number } = {}) {
		this.longPieceBytes = options.longPieceBytes ?? 64;
		let longest = 1;
		ranks.forEach((value, rank) => {
			const key = typeof value === 'string' ? binaryKey(encoder.encode(value)) : binaryKey(value);
			if (key.length > longest) longest = key.length;
			this.byBytes.set(key, rank);
		});
		this.maxTokenBytes = longest;
	}

	/**
	 * Appends the tokens of one pre-tokenizer piece to `out`. `interrupted` is called every few
	 * thousand merges on long pieces and stops the encoding by throwing (see `countInterrupt`).
	 */
	encodePiece(piece: string, out: number[], interrupted?: () => void): void {
		const bytes = binaryKey(encoder.encode(piece));
		const whole = bytes.length > this.maxTokenBytes ? undefined : this.byBytes.get(bytes);
		if (whole !== undefined) {
			out.push(whole);
			return;
		}
		if (bytes.length <= this.longPieceBytes) this.mergeByScan(bytes, out);
		else if (!this.mergeByRankLevels(bytes, out, interrupted)) this.mergeWithHeap(bytes, out, interrupted);
	}

	private byteTokenTable: Int32Array | undefined;

	/** The token of each single byte (every byte is a token in both encodings). */
	private byteTokens(): Int32Array {
		if (!this.byteTokenTable) {
			this.byteTokenTable = new Int32Array(256);
			for (let b = 0; b < 256; b++) this.byteTokenTable[b] = this.tokenOf(String.fromCharCode(b), 0, 1);
		}
		return this.byteTokenTable;
	}

	private rankOf(bytes: string, start: number, end: number): number {
		return end - start > this.maxTokenBytes ? Infinity : (this.byBytes.get(bytes.slice(start, end)) ?? Infinity);
	}

	private tokenOf(bytes: string, start: number, end: number): number {
		const rank = this.byBytes.get(bytes.slice(start, end));
		// Every single byte is a token in both encodings, and merges only make ranked parts.
		if (rank === undefined) throw new Error(`byte sequence without a rank at ${start}..${end}`);
		return rank;
	}

	/** tiktoken's loop as written: O(parts) per merge. */
	private mergeByScan(bytes: string, out: number[]): void {
		// starts[i] is where part i begins; ranks[i] is the rank of part i merged with part i+1.
		const starts: number[] = [];
		const pairRanks: number[] = [];
		for (let i = 0; i <= bytes.length; i++) starts.push(i);
		const rankAt = (i: number): number => (i + 2 < starts.length ? this.rankOf(bytes, starts[i]!, starts[i + 2]!) : Infinity);
		for (let i = 0; i < starts.length - 1; i++) pairRanks.push(rankAt(i));
		for (;;) {
			let best = Infinity;
			let at = -1;
			for (let i = 0; i < pairRanks.length; i++) {
				if (pairRanks[i]! < best) {
					best = pairRanks[i]!;
					at = i;
				}
			}
			if (at < 0) break;
			starts.splice(at + 1, 1);
			pairRanks.splice(at + 1, 1);
			pairRanks[at] = rankAt(at);
			if (at > 0) pairRanks[at - 1] = rankAt(at - 1);
		}
		for (let i = 0; i + 1 < starts.length; i++) out.push(this.tokenOf(bytes, starts[i]!, starts[i + 1]!));
	}

	/**
	 * The same merges, one rank at a time: all pairs of the lowest pending rank, left to right, then
	 * the next rank. That is tiktoken's order as long as every pair a merge creates ranks ABOVE the
	 * rank being merged — true of a vocabulary trained by BPE, where a token comes after the tokens
	 * it is made of, but checked here, not assumed: the first pair that breaks it abandons this path
	 * (returns false, `out` untouched) for {@link mergeWithHeap}, which needs no such property. On a
	 * long run the pending ranks are a handful, so this is a few linear passes.
	 */
	private mergeByRankLevels(bytes: string, out: number[], interrupted?: () => void): boolean {
		const n = bytes.length;
		const parts = new PieceParts(bytes, this.byteTokens());
		const { alive } = parts;
		// Ranks as int32 (`none` for "no rank"): 4 bytes per byte of the piece, not 8.
		const none = 0x7fffffff;
		const pairRank = new Int32Array(n);
		const ranker = this.pairRanker(parts);
		const rank = (i: number): number => {
			const r = ranker(i);
			return r === Infinity ? none : r;
		};
		// Buckets of positions per rank as linked lists in typed arrays (n initial pairs, up to 2 more
		// per merge): no array per rank to grow, little for the GC on a megabyte-long run.
		let entryPos = new Int32Array(n + (n >> 1) + 1);
		let entryNext = new Int32Array(entryPos.length);
		let entries = 0;
		const heads = new Map<number, { last: number; size: number }>();
		let lastHeadRank = -1;
		let lastHead: { last: number; size: number } | undefined;
		const pending = new MinHeap(64);
		const add = (i: number, r: number) => {
			if (entries === entryPos.length) {
				const pos = new Int32Array(entries * 2);
				const nxt = new Int32Array(entries * 2);
				pos.set(entryPos);
				nxt.set(entryNext);
				entryPos = pos;
				entryNext = nxt;
			}
			const head = r === lastHeadRank ? lastHead : heads.get(r);
			entryPos[entries] = i;
			entryNext[entries] = head ? head.last : -1;
			if (head) {
				head.last = entries;
				head.size++;
			} else {
				heads.set(r, (lastHead = { last: entries, size: 1 }));
				lastHeadRank = r;
				pending.push(r);
			}
			entries++;
		};
		for (let i = 0; i < n; i++) {
			pairRank[i] = rank(i);
			if (pairRank[i] !== none) add(i, pairRank[i]!);
		}
		let scratch = new Int32Array(64);
		let merges = 0;
		while (pending.size > 0) {
			const r = pending.pop();
			const head = heads.get(r)!;
			heads.delete(r);
			if (lastHeadRank === r) lastHeadRank = -1;
			if (scratch.length < head.size) scratch = new Int32Array(Math.max(head.size, scratch.length * 2));
			let k = 0;
			for (let e = head.last; e >= 0; e = entryNext[e]!) scratch[k++] = entryPos[e]!;
			const bucket = scratch.subarray(0, k).sort();
			for (let b = 0; b < k; b++) {
				const i = bucket[b]!;
				if (!alive[i] || pairRank[i] !== r) continue;
				const p = parts.merge(i, r);
				pairRank[i] = rank(i);
				if (p >= 0) pairRank[p] = rank(p);
				if (pairRank[i] <= r || (p >= 0 && pairRank[p]! <= r)) return false;
				if (pairRank[i] !== none) add(i, pairRank[i]);
				if (p >= 0 && pairRank[p] !== none) add(p, pairRank[p]!);
				if (interrupted && ++merges % 4096 === 0) interrupted();
			}
		}
		parts.appendTo(out);
		return true;
	}

	/**
	 * The rank of part `i` merged with the next part. A part's rank IS its token id, so a pair's rank
	 * depends only on the two ids and is memoized by them (left → right, small-integer keys, so a
	 * look-up allocates nothing): a long run repeats a handful of pairs.
	 */
	private pairRanker(parts: PieceParts): (i: number) => number {
		const { bytes, next, token } = parts;
		const n = bytes.length;
		const memo = new Map<number, Map<number, number>>();
		// A run asks for the same pair over and over: the last answer is checked before the maps.
		let lastLeft = -1;
		let lastRight = -1;
		let lastRank = Infinity;
		return i => {
			const j = next[i]!;
			if (j >= n) return Infinity;
			const left = token[i]!;
			const rightId = token[j]!;
			if (left === lastLeft && rightId === lastRight) return lastRank;
			let right = memo.get(left);
			if (!right) memo.set(left, (right = new Map()));
			let r = right.get(rightId);
			if (r === undefined) {
				r = this.rankOf(bytes, i, next[j]! >= n ? n : next[j]!);
				right.set(rightId, r);
			}
			lastLeft = left;
			lastRight = rightId;
			lastRank = r;
			return r;
		};
	}

	/**
	 * The same merges from a heap. Parts are identified by their start byte, so "leftmost" is the
	 * smallest start; a heap entry is `rank · 2³² + start` (exact in a double: ranks < 2²⁰). An entry
	 * is stale when its part was merged away or its pair's rank changed (a pair only ever grows, so
	 * its rank never returns to an old value).
	 */
	private mergeWithHeap(bytes: string, out: number[], interrupted?: () => void): void {
		const n = bytes.length;
		const parts = new PieceParts(bytes, this.byteTokens());
		const { alive } = parts;
		const pairRank = new Float64Array(n);
		const heap = new MinHeap(n);
		const rank = this.pairRanker(parts);
		for (let i = 0; i < n; i++) {
			pairRank[i] = rank(i);
			if (pairRank[i] !== Infinity) heap.push(pairRank[i]! * 4294967296 + i);
		}
		let merges = 0;
		while (heap.size > 0) {
			const key = heap.pop();
			const r = Math.floor(key / 4294967296);
			const i = key - r * 4294967296;
			if (!alive[i] || pairRank[i] !== r) continue;
			const p = parts.merge(i, r);
			pairRank[i] = rank(i);
			if (pairRank[i] !== Infinity) heap.push(pairRank[i] * 4294967296 + i);
			if (p >= 0) {
				pairRank[p] = rank(p);
				if (pairRank[p] !== Infinity) heap.push(pairRank[p] * 4294967296 + p);
			}
			if (interrupted && ++merges % 4096 === 0) interrupted();
		}
		parts.appendTo(out);
	}
}

/**
 * A piece's parts while it is merged: a linked list over byte offsets (part i starts at byte i while
 * it is alive) with each part's token id. Shared by both linear merges.
 */
class PieceParts {
	readonly next: Int32Array;
	readonly prev: Int32Array;
	readonly token: Int32Array;
	readonly alive: Uint8Array;

	constructor(
		readonly bytes: string,
		byteToken: Int32Array,
	) {
		const n = bytes.length;
		this.next = new Int32Array(n);
		this.prev = new Int32Array(n);
		this.token = new Int32Array(n);
		this.alive = new Uint8Array(n).fill(1);
		for (let i = 0; i < n; i++) {
			this.next[i] = i + 1;
			this.prev[i] = i - 1;
			this.token[i] = byteToken[bytes.charCodeAt(i)]!;
		}
	}

	/** Merges part `i` with the part after it into token `rank`; returns the part before `i` (-1: none). */
	merge(i: number, rank: number): number {
		const { next, prev } = this;
		const j = next[i]!;
		this.alive[j] = 0;
		next[i] = next[j]!;
		if (next[j]! < next.length) prev[next[j]!] = i;
		this.token[i] = rank;
		return prev[i]!;
	}

	/** The parts' tokens, in order. */
	appendTo(out: number[]): void {
		for (let i = 0; i < this.next.length; i = this.next[i]!) out.push(this.token[i]!);
	}
}

/** A binary min-heap of doubles in a typed array (no object per entry). */
class MinHeap {
	private data: Float64Array;
	size = 0;

	constructor(capacity: number) {
		this.data = new Float64Array(Math.max(16, capacity));
	}

	push(v: number): void {
		if (this.size === this.data.length) {
			const bigger = new Float64Array(this.data.length * 2);
			bigger.set(this.data);
			this.data = bigger;
		}
		const d = this.data;
		let i = this.size++;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if (d[parent]! <= v) break;
			d[i] = d[parent]!;
			i = parent;
		}
		d[i] = v;
	}

	pop(): number {
		const d = this.data;
		const top = d[0]!;
		const last = d[--this.size]!;
		let i = 0;
		for (;;) {
			let child = 2 * i + 1;
			if (child >= this.size) break;
			if (child + 1 < this.size && d[child + 1]! < d[child]!) child++;
			if (d[child]! >= last) break;
			d[i] = d[child]!;
			i = child;
		}
		d[i] = last;
		return top;
	}
}
