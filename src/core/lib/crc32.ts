let table: Uint32Array | undefined;

function crcTable(): Uint32Array {
	if (table) return table;
	table = new Uint32Array(256);
	for (let n = 0; n < 256; n++) {
		let c = n;
		for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
		table[n] = c >>> 0;
	}
	return table;
}

/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial) of a string's UTF-16 code units, low byte first, as
 * 8 lower-case hex digits. Detects every burst of damage up to 32 bits and, in practice, any damage
 * to a short line; not a defence against someone who forges lines on purpose.
 */
export function crc32Hex(text: string): string {
	const t = crcTable();
	let c = 0xffffffff;
	for (let i = 0; i < text.length; i++) {
		const u = text.charCodeAt(i);
		c = t[(c ^ u) & 0xff]! ^ (c >>> 8);
		c = t[(c ^ (u >>> 8)) & 0xff]! ^ (c >>> 8);
	}
	return ((c ^ 0xffffffff) >>> 0).toString(16).padStart(8, '0');
}
