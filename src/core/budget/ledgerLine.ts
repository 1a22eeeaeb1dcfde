import { crc32Hex } from '../lib/crc32';
import { isLedgerRecord, type LedgerRecord } from './budgetLedger';

/**
 * One ledger line on disk: the record's JSON with a checksum as its last field,
 * `{"t":"settle","id":"…","nano":420,"at":…,"c":"1a2b3c4d"}`, where `c` is the CRC-32 of everything
 * before `,"c":`. A line whose checksum does not match was damaged (a bad sector, a torn write, an
 * edit by hand) and is never trusted as written; see {@link DamagedLine} for what is still used.
 */
export function encodeLedgerLine(record: LedgerRecord): string {
	const body = JSON.stringify(record).slice(0, -1);
	return `${body},"c":"${crc32Hex(body)}"}`;
}

/** What could still be read from a damaged line; every field may be missing or itself damaged. */
export interface DamagedLine {
	readonly kind: 'damaged';
	/** `torn`: the line ends early (a write cut by a crash); `checksum`: complete but altered; `garbage`: not a ledger line at all. */
	readonly why: 'torn' | 'checksum' | 'garbage';
	readonly t?: LedgerRecord['t'];
	readonly id?: string;
	readonly nano?: number;
}

export type DecodedLedgerLine =
	{ readonly kind: 'record'; readonly record: LedgerRecord; /** False for a line written before checksums (accepted as is). */ readonly checked: boolean } | DamagedLine | { readonly kind: 'blank' };

const checksumTail = /,"c":"([0-9a-f]{8})"\}\s*$/;

function salvage(line: string, why: DamagedLine['why']): DamagedLine {
	const t = /"t":"(reserve|settle|release|expire)"/.exec(line)?.[1] as LedgerRecord['t'] | undefined;
	const id = /"id":"((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
	const nano = /"nano":(\d{1,15})[,}]/.exec(line)?.[1];
	return { kind: 'damaged', why, ...(t && { t }), ...(id !== undefined && { id: safeUnescape(id) }), ...(nano !== undefined && { nano: Number(nano) }) };
}

function safeUnescape(jsonStringBody: string): string {
	try {
		return JSON.parse(`"${jsonStringBody}"`) as string;
	} catch {
		return jsonStringBody;
	}
}

/** Reads one line back (see {@link encodeLedgerLine}). Never throws. */
export function decodeLedgerLine(line: string): DecodedLedgerLine {
	if (line.trim() === '') return { kind: 'blank' };
	const tail = checksumTail.exec(line);
	if (tail) {
		const body = line.slice(0, tail.index);
		if (crc32Hex(body) !== tail[1]) return salvage(line, 'checksum');
		let value: unknown;
		try {
			value = JSON.parse(`${body}}`);
		} catch {
			return salvage(line, 'garbage');
		}
		return isLedgerRecord(value) ? { kind: 'record', record: value, checked: true } : salvage(line, 'garbage');
	}
	let value: unknown;
	try {
		value = JSON.parse(line);
	} catch {
		// JSON that stops short is what a write cut by kill -9 or a full disk leaves behind.
		return salvage(line, /^\s*\{/.test(line) && !/\}\s*$/.test(line) ? 'torn' : 'garbage');
	}
	return isLedgerRecord(value) && isLegacyShape(value) ? { kind: 'record', record: value, checked: false } : salvage(line, 'garbage');
}

/** Fields of each record kind as written before checksums; anything else on a line without one is damage. */
const legacyFields: Record<LedgerRecord['t'], string> = {
	reserve: 'at,day,exp,id,model,nano,run,step,t',
	settle: 'at,id,nano,t',
	release: 'at,id,t',
	expire: 'at,id,t',
};

function isLegacyShape(r: LedgerRecord): boolean {
	return Object.keys(r).sort().join(',') === legacyFields[r.t];
}

/** The records of a day file's text that pass their checksum (damaged lines are the ledger's to report). */
export function readLedgerRecords(text: string): LedgerRecord[] {
	const out: LedgerRecord[] = [];
	for (const line of text.split('\n')) {
		const d = decodeLedgerLine(line);
		if (d.kind === 'record') out.push(d.record);
	}
	return out;
}
