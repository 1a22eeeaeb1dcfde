import * as assert from 'node:assert/strict';
import { formatPerMtok, formatTokens, formatUsd } from '../../../src/core/pricing/format';

describe('formatUsd', () => {
	const cases: [number, string][] = [
		[0, '$0.00'],
		[0.0312, '$0.031'],
		[0.031, '$0.031'],
		[0.3456, '$0.346'],
		[0.001, '$0.001'],
		[0.0015, '$0.002'],
		[0.00049, '<$0.001'],
		[0.0000001, '<$0.001'],
		[0.9996, '$1.00'],
		[1, '$1.00'],
		[12.4, '$12.40'],
		[1234.5, '$1,234.50'],
		[1_234_567.891, '$1,234,567.89'],
		[-0.031, '-$0.031'],
		[-12.4, '-$12.40'],
		[-0.0001, '-<$0.001'],
	];
	for (const [usd, text] of cases) it(`${usd} → ${text}`, () => assert.equal(formatUsd(usd), text));

	it('a tiny non-zero amount never renders as $0.000 or $0.00', () => {
		for (let usd = 1e-9; usd < 0.001; usd *= 3) assert.notEqual(formatUsd(usd).replace(/[<≈-]/g, ''), '$0.00');
	});

	it('estimates are marked with ≈ (a tiny amount is already a bound)', () => {
		assert.equal(formatUsd(0.031, { estimate: true }), '≈$0.031');
		assert.equal(formatUsd(12.4, { estimate: true }), '≈$12.40');
		assert.equal(formatUsd(0, { estimate: true }), '≈$0.00');
		assert.equal(formatUsd(0.0001, { estimate: true }), '<$0.001');
	});

	it('bad numbers do not throw', () => {
		assert.equal(formatUsd(Number.NaN), '$?');
		assert.equal(formatUsd(Number.POSITIVE_INFINITY), '$?');
	});
});

describe('formatPerMtok and formatTokens', () => {
	it('prices per Mtok as price pages write them', () => {
		assert.equal(formatPerMtok(3), '$3.00');
		assert.equal(formatPerMtok(22.5), '$22.50');
		assert.equal(formatPerMtok(0.075), '$0.075');
		assert.equal(formatPerMtok(0.01875), '$0.01875');
		assert.equal(formatPerMtok(0.08333333333333334), '$0.0833333');
		assert.equal(formatPerMtok(1500), '$1,500.00');
		assert.equal(formatPerMtok(0), '$0.00');
	});

	it('token counts with separators', () => {
		assert.equal(formatTokens(0), '0');
		assert.equal(formatTokens(12_345), '12,345');
		assert.equal(formatTokens(1_000_000), '1,000,000');
		assert.equal(formatTokens(-1_500), '-1,500');
	});
});
