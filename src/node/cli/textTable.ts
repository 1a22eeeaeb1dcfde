/** Aligned columns for the CLI's human-readable tables (the first row is the header). */
export function table(rows: string[][], rightAligned: ReadonlySet<number>): string[] {
	const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
	return rows.map(r =>
		r
			.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
			.join('  ')
			.trimEnd(),
	);
}
