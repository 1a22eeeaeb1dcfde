import * as assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import type { LedgerRecord } from '../../../../src/core/budget/budgetLedger';
import { decodeLedgerLine, encodeLedgerLine } from '../../../../src/core/budget/ledgerLine';
import { crc32Hex } from '../../../../src/core/lib/crc32';

describe('ledger lines: a checksum per line', () => {
	const reserve: LedgerRecord = { t: 'reserve', id: 'run-1:x:0:ab', run: 'run-1', day: '2026-11-27', nano: 123_456, at: 17, exp: 900_017, model: 'gpt-4o', step: 1, lim: 5_000_000_000 };

	it('crc32Hex is the standard CRC-32 (zlib) of the UTF-16LE code units', () => {
		for (const s of ['', 'hello', '{"t":"settle"}', 'é中😀\u0000']) assert.equal(crc32Hex(s), crc32(Buffer.from(s, 'utf16le')).toString(16).padStart(8, '0'));
	});

	it('round-trips every record kind, and any one changed character is caught', () => {
		const records: LedgerRecord[] = [reserve, { t: 'settle', id: 'a', nano: 5, at: 1 }, { t: 'release', id: 'a', at: 1 }, { t: 'expire', id: 'a', at: 1 }];
		for (const r of records) assert.deepEqual(decodeLedgerLine(encodeLedgerLine(r)), { kind: 'record', record: r, checked: true });
		const line = encodeLedgerLine(reserve);
		let caught = 0;
		for (let i = 0; i < line.length; i++) {
			const damaged = line.slice(0, i) + (line[i] === '7' ? '8' : '7') + line.slice(i + 1);
			if (decodeLedgerLine(damaged).kind === 'damaged') caught++;
		}
		assert.equal(caught, line.length);
	});

	it('salvages what a damaged line still says, and tells a torn line from garbage', () => {
		const line = encodeLedgerLine(reserve);
		assert.deepEqual(decodeLedgerLine(line.replace('gpt-4o', 'gpt-4x')), { kind: 'damaged', why: 'checksum', t: 'reserve', id: 'run-1:x:0:ab', nano: 123_456 });
		assert.deepEqual(decodeLedgerLine(line.slice(0, 60)), { kind: 'damaged', why: 'torn', t: 'reserve', id: 'run-1:x:0:ab' });
		assert.deepEqual(decodeLedgerLine('\u0000\u0000garbage'), { kind: 'damaged', why: 'garbage' });
		assert.deepEqual(decodeLedgerLine('   '), { kind: 'blank' });
		// Lines written before checksums are read as they are.
		assert.deepEqual(decodeLedgerLine(JSON.stringify({ t: 'settle', id: 'a', nano: 5, at: 1 })), { kind: 'record', record: { t: 'settle', id: 'a', nano: 5, at: 1 }, checked: false });
	});
});
