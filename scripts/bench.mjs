// Runs every benchmark and rewrites its committed results under bench/ (see each bench file).
//   npm run bench            all of them (several minutes; run on a quiet machine)
// Single benchmarks: npm run bench:tokens | bench:policy | bench:transcripts | bench:replay | bench:gateway | bench:sessions
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runBench } from './runBench.mjs';

const root = resolve(import.meta.dirname, '..');
let failed = 0;
// The token benchmarks need their worker bundle too, so they keep their own script.
failed += spawnSync(process.execPath, [join(root, 'scripts', 'benchTokens.mjs')], { stdio: 'inherit', cwd: root }).status === 0 ? 0 : 1;
for (const entry of ['bench/policy.bench.ts', 'bench/transcriptImport.bench.ts', 'bench/replay.bench.ts', 'bench/sessions.bench.ts']) {
	console.log(`\n== ${entry}`);
	if ((await runBench(entry)) !== 0) failed++;
}
// The gateway benchmark runs the built CLI and fake provider as processes of their own.
console.log('\n== bench/gateway.bench.ts');
if (spawnSync(process.execPath, [join(root, 'esbuild.mjs')], { stdio: 'inherit', cwd: root }).status !== 0 || (await runBench('bench/gateway.bench.ts')) !== 0) failed++;
process.exitCode = failed ? 1 : 0;
