/**
 * Runs of characters that the pre-tokenizer can turn into ONE piece — a letter (and mark) run, a
 * whitespace run, a punctuation run — are where BPE costs more than linear time in gpt-tokenizer's
 * core (a 32k-letter run: ≈1 s; 1 MB: hours). Digits never make long pieces (`\p{N}{1,3}`).
 * A conservative superset is enough: a text with such a run only takes the exact linear path.
 */

/** 0 = not classified yet, 1 = letter or mark, 2 = whitespace (JS `\s` + U+0085), 3 = digit, 4 = anything else. */
const classes = new Uint8Array(65536);
const letter = /[\p{L}\p{M}]/u;
const space = /[\s\u0085]/u;
const digit = /\p{N}/u;

function classify(ch: string): number {
	return letter.test(ch) ? 1 : space.test(ch) ? 2 : digit.test(ch) ? 3 : 4;
}

/** True when `text` holds a run of at least `minChars` characters of one class (linear, one pass). */
export function hasLongPiece(text: string, minChars: number): boolean {
	if (text.length < minChars) return false;
	let run = 0;
	let current = 0;
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		let k: number;
		if (c >= 0xd800 && c <= 0xdfff) {
			// An astral character (rare: classify it each time) counts once; a lone surrogate is "else".
			if (c <= 0xdbff && i + 1 < text.length) {
				k = classify(String.fromCodePoint(text.codePointAt(i)!));
				i++;
			} else k = 4;
		} else {
			k = classes[c]!;
			if (k === 0) k = classes[c] = classify(String.fromCharCode(c));
		}
		if (k === current && k !== 3) {
			if (++run >= minChars) return true;
		} else {
			current = k;
			run = 1;
		}
	}
	return false;
}
