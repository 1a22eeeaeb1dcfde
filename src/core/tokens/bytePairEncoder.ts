import { BytePairEncodingCore, type RawBytePairRanks } from 'gpt-tokenizer/BytePairEncodingCore';
import { fastSplitRegex, needsPinnedClasses, pinnedSplitRegex } from './pretokenizer';
import type { EncodingName } from './types';

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

	/** Token ids of `text`, special-token text counted as plain text. Never throws. */
	encode(text: string): number[] {
		const slow = this.slowPathSplitter(text);
		return slow ? this.encodeSlow(text, slow) : this.core.encodeNative(text);
	}

	/** Number of tokens of `text` (same as `encode(text).length`, without building the array). */
	count(text: string): number {
		const slow = this.slowPathSplitter(text);
		return slow ? this.encodeSlow(text, slow).length : this.core.countNative(text);
	}

	/** The splitter for the exact slow path, or undefined when the fast path is exact for `text`. */
	private slowPathSplitter(text: string): RegExp | undefined {
		if (needsPinnedClasses(text)) return (this.slowSplit.pinned ??= pinnedSplitRegex(this.name));
		if (text.includes('\uFEFF')) return (this.slowSplit.fast ??= fastSplitRegex(this.name));
		return undefined;
	}

	private encodeSlow(text: string, splitter: RegExp): number[] {
		this.reference ??= new ReferenceBpe(this.ranks);
		const out: number[] = [];
		// exec on the shared regex, not matchAll: matchAll clones the regex, and V8 recompiles a clone
		// of the ~50 KB pinned pattern on every call.
		splitter.lastIndex = 0;
		for (let m = splitter.exec(text); m !== null; m = splitter.exec(text)) this.reference.encodePiece(m[0], out);
		return out;
	}
}

const encoder = new TextEncoder();

/** UTF-8 bytes as a binary string (one char per byte): a cheap, exact Map key for byte sequences. */
function binaryKey(bytes: ArrayLike<number>): string {
	let s = '';
	for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
	return s;
}

/**
 * A direct transcription of tiktoken's `byte_pair_merge` over raw bytes. Slower than gpt-tokenizer's
 * core but with no string/byte round trips, so it is exact on every byte sequence. Building the byte
 * map takes ≈0.1–0.2 s, so it is created only when a text needs it.
 */
export class ReferenceBpe {
	private readonly byBytes = new Map<string, number>();

	constructor(ranks: RawBytePairRanks) {
		ranks.forEach((value, rank) => {
			this.byBytes.set(typeof value === 'string' ? binaryKey(encoder.encode(value)) : binaryKey(value), rank);
		});
	}

	/** Appends the tokens of one pre-tokenizer piece to `out`. */
	encodePiece(piece: string, out: number[]): void {
		const bytes = binaryKey(encoder.encode(piece));
		const whole = this.byBytes.get(bytes);
		if (whole !== undefined) {
			out.push(whole);
			return;
		}
		// starts[i] is where part i begins; ranks[i] is the rank of part i merged with part i+1.
		const starts: number[] = [];
		const pairRanks: number[] = [];
		for (let i = 0; i <= bytes.length; i++) starts.push(i);
		const rankAt = (i: number): number => (i + 2 < starts.length ? (this.byBytes.get(bytes.slice(starts[i], starts[i + 2])) ?? Infinity) : Infinity);
		for (let i = 0; i < starts.length - 1; i++) pairRanks.push(rankAt(i));
		for (;;) {
			let best = Infinity;
			let at = -1;
			for (let i = 0; i < pairRanks.length; i++) {
				if (pairRanks[i] < best) {
					best = pairRanks[i];
					at = i;
				}
			}
			if (at < 0) break;
			starts.splice(at + 1, 1);
			pairRanks.splice(at + 1, 1);
			pairRanks[at] = rankAt(at);
			if (at > 0) pairRanks[at - 1] = rankAt(at - 1);
		}
		for (let i = 0; i + 1 < starts.length; i++) {
			const rank = this.byBytes.get(bytes.slice(starts[i], starts[i + 1]));
			// Every single byte is a token in both encodings, so a part can always be encoded.
			if (rank === undefined) throw new Error(`${JSON.stringify(piece)}: byte sequence without a rank`);
			out.push(rank);
		}
	}
}
