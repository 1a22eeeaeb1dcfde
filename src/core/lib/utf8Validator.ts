/**
 * Finds bytes that are not valid UTF-8 — what a decoder silently turns into U+FFFD — across chunk
 * boundaries, in one pass. Overlong forms, surrogates and code points above U+10FFFF are invalid,
 * as in the WHATWG decoder.
 */
export class Utf8Validator {
	/** Continuation bytes still expected by the current sequence. */
	private need = 0;
	/** Bounds of the next continuation byte (tighter for the byte after E0, ED, F0, F4). */
	private lower = 0x80;
	private upper = 0xbf;
	private offset = 0;
	/** Invalid sequences seen so far. */
	invalid = 0;
	/** Byte offset of the first invalid byte, or -1. */
	firstInvalid = -1;

	private bad(at: number): void {
		this.invalid++;
		if (this.firstInvalid < 0) this.firstInvalid = at;
	}

	push(bytes: Uint8Array): void {
		for (let i = 0; i < bytes.length; i++) {
			const b = bytes[i]!;
			const at = this.offset + i;
			if (this.need > 0) {
				if (b >= this.lower && b <= this.upper) {
					this.need--;
					this.lower = 0x80;
					this.upper = 0xbf;
					continue;
				}
				// A sequence cut short: that is one invalid sequence; this byte starts anew.
				this.bad(at);
				this.need = 0;
				this.lower = 0x80;
				this.upper = 0xbf;
			}
			if (b < 0x80) continue;
			if (b >= 0xc2 && b <= 0xdf) this.need = 1;
			else if (b >= 0xe0 && b <= 0xef) {
				this.need = 2;
				if (b === 0xe0) this.lower = 0xa0;
				else if (b === 0xed) this.upper = 0x9f;
			} else if (b >= 0xf0 && b <= 0xf4) {
				this.need = 3;
				if (b === 0xf0) this.lower = 0x90;
				else if (b === 0xf4) this.upper = 0x8f;
			} else this.bad(at);
		}
		this.offset += bytes.length;
	}

	/** Call at the end of the input: an unfinished sequence there is invalid too. */
	end(): void {
		if (this.need > 0) this.bad(this.offset);
		this.need = 0;
	}
}
