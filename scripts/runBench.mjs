// Builds one benchmark (bench/<name>.bench.ts or any .ts given) into its own folder and runs it.
// Its own folder, because a concurrent `node esbuild.mjs` empties out/ and would pull the bundle
// away mid-run. Arguments after the entry are passed to the benchmark.
//   node scripts/runBench.mjs bench/replay.bench.ts
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');

/** Builds and runs `entry` (relative to the repo root); returns the exit code. */
export async function runBench(entry, args = []) {
	const outDir = join(root, `.bench-build-${entry.replace(/[^a-z0-9]+/gi, '-')}`);
	const outfile = join(outDir, entry.replace(/\.ts$/, '.js'));
	await esbuild.build({ entryPoints: [join(root, entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
	try {
		const r = spawnSync(process.execPath, [outfile, ...args], { stdio: 'inherit', cwd: root });
		return r.status ?? 1;
	} finally {
		rmSync(outDir, { recursive: true, force: true });
	}
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
	const [entry, ...args] = process.argv.slice(2);
	if (!entry) {
		console.error('usage: node scripts/runBench.mjs bench/<name>.ts [args…]');
		process.exit(2);
	}
	process.exitCode = await runBench(entry, args);
}
