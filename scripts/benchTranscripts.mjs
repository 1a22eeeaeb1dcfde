// Runs bench/transcriptImport.bench.ts (2.6 MB Claude Code import ≤ 300 ms; 100 MB streamed with
// bounded memory) and rewrites bench/results/transcriptImport.{json,md}. Builds into its own folder
// so a concurrent `node esbuild.mjs` (which empties out/) cannot pull the bundle away mid-run.
// Usage: npm run bench:transcripts   (generated sessions go to bench/.tmp/, which is git-ignored)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, '.bench-build-transcripts');
const outfile = join(outDir, 'bench', 'transcriptImport.bench.js');
await esbuild.build({ entryPoints: [join(root, 'bench', 'transcriptImport.bench.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
try {
	const r = spawnSync(process.execPath, [outfile], { stdio: 'inherit', cwd: root });
	process.exitCode = r.status ?? 1;
} finally {
	rmSync(outDir, { recursive: true, force: true });
}
