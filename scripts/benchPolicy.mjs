// Runs bench/policy.bench.ts (budget, exact-cache and semantic-cache overheads) and rewrites
// bench/policy.json + bench/policy.md. Builds into its own folder so a concurrent `node esbuild.mjs`
// (which empties out/) cannot pull the bundle away mid-run.   Usage: npm run bench:policy
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, '.bench-build');
const outfile = join(outDir, 'bench', 'policy.bench.js');
await esbuild.build({ entryPoints: [join(root, 'bench', 'policy.bench.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
try {
	const r = spawnSync(process.execPath, [outfile], { stdio: 'inherit', cwd: root });
	process.exitCode = r.status ?? 1;
} finally {
	rmSync(outDir, { recursive: true, force: true });
}
