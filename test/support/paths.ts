import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root, found from wherever the compiled test bundle lives (out/…, dist/…). */
export function repoRoot(): string {
	let dir = __dirname;
	while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'esbuild.mjs'))) {
		const up = dirname(dir);
		if (up === dir) throw new Error(`repo root not found above ${__dirname}`);
		dir = up;
	}
	return dir;
}

/** The real public agent transcripts committed as fixtures (see their PROVENANCE.md). */
export function transcriptsDir(): string {
	return join(repoRoot(), 'test', 'fixtures', 'transcripts');
}

/** Public fixtures this repository pinned itself (not the shared set), see their PROVENANCE.md. */
export function publicFixturesDir(): string {
	return join(repoRoot(), 'test', 'fixtures', 'public');
}
