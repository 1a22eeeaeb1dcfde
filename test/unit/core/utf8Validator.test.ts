import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Utf8Validator } from '../../../src/core/lib/utf8Validator';

function validate(chunks: readonly Uint8Array[]): Utf8Validator {
	const v = new Utf8Validator();
	for (const c of chunks) v.push(c);
	v.end();
	return v;
}

describe('Utf8Validator', () => {
	it('agrees with a fatal TextDecoder on any bytes, however they are cut into chunks', () => {
		const fatal = new TextDecoder('utf-8', { fatal: true });
		fc.assert(
			fc.property(fc.uint8Array({ maxLength: 64 }), fc.array(fc.nat(64), { maxLength: 4 }), (bytes, cuts) => {
				let valid = true;
				try {
					fatal.decode(bytes);
				} catch {
					valid = false;
				}
				const at = [...new Set(cuts.map(c => Math.min(c, bytes.length)))].sort((a, b) => a - b);
				const chunks = [0, ...at].map((s, i, all) => bytes.subarray(s, all[i + 1] ?? bytes.length));
				const v = validate(chunks);
				return (v.invalid === 0) === valid;
			}),
			{ numRuns: 3000, seed: 16 },
		);
	});

	it('points at the first invalid byte: a lone continuation, an overlong form, a surrogate, a cut sequence', () => {
		assert.equal(validate([Buffer.from('ok é 😀')]).invalid, 0);
		assert.equal(validate([Buffer.from([0x61, 0x80])]).firstInvalid, 1);
		assert.equal(validate([Buffer.from([0x61, 0x62, 0xc0, 0xaf])]).firstInvalid, 2);
		assert.equal(validate([Buffer.from([0xed, 0xa0, 0x80])]).invalid > 0, true);
		const cut = validate([Buffer.from([0x61, 0xe2, 0x82])]);
		assert.deepEqual([cut.invalid, cut.firstInvalid], [1, 3]);
	});
});
