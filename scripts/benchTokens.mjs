// Runs the token benchmarks and rewrites their committed results:
//   bench/tokenCalibration.ts → bench/results/tokenCalibration.{json,md} (chat overhead + Claude fit; deterministic)
//   bench/tokenizers.bench.ts → bench/results/tokenizers.{json,md} (throughput, cold load, keystroke latency)
// Builds into its own folder so a concurrent `node esbuild.mjs` (which empties out/) cannot pull the
// bundles away mid-run.   Usage: npm run bench:tokens
// The exhaustive code-point check (≈30 min) is separate: node scripts/benchTokens.mjs --exhaustive
// While iterating: node scripts/benchTokens.mjs --sections=keystrokes (prints only, writes nothing)
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = join(root, '.bench-build-tokens');
const exhaustive = process.argv.includes('--exhaustive');
// --sections=a,b runs part of the tokenizer bench without writing; --render rewrites tokenizers.md from tokenizers.json.
const passThrough = process.argv.slice(2).filter(a => a.startsWith('--sections=') || a === '--render');
const entries = exhaustive ? ['bench/tokenizerExhaustive.ts'] : passThrough.length ? ['bench/tokenizers.bench.ts'] : ['bench/tokenCalibration.ts', 'bench/tokenizers.bench.ts'];
await esbuild.build({
	entryPoints: entries.map(e => join(root, e)),
	outbase: root,
	outdir: outDir,
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	packages: 'external',
	logLevel: 'warning',
});
await esbuild.build({
	entryPoints: { tokenWorker: join(root, 'src', 'node', 'tokenWorker.ts') },
	outdir: outDir,
	bundle: true,
	platform: 'node',
	format: 'cjs',
	target: 'node20',
	logLevel: 'warning',
});
try {
	for (const entry of entries) {
		const r = spawnSync(process.execPath, [join(outDir, entry.replace(/\.ts$/, '.js')), ...passThrough], {
			stdio: 'inherit',
			cwd: root,
			env: { ...process.env, TOKEN_BENCH_WORKER: join(outDir, 'tokenWorker.js') },
		});
		if (r.status !== 0) {
			process.exitCode = r.status ?? 1;
			break;
		}
	}
} finally {
	rmSync(outDir, { recursive: true, force: true });
}
