// Unit tests in plain Node (no VS Code): mocha over the esbuild test bundles in out/test/unit.
// Assumes `node esbuild.mjs` ran (npm test does it); run alone with `npm run build && npm run test:unit`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
function find(dir) {
	if (!existsSync(dir)) return [];
	return readdirSync(dir).flatMap(n => {
		const p = join(dir, n);
		return statSync(p).isDirectory() ? find(p) : p.endsWith('.test.js') ? [p] : [];
	});
}
const files = find(join(root, 'out', 'test', 'unit'));
if (files.length === 0) {
	console.error('unit: no compiled tests in out/test/unit — run `npm run build` first');
	process.exit(1);
}
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter(f => filter.some(x => f.includes(x))) : files;
const result = spawnSync(
	process.execPath,
	[join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--reporter', join(root, 'test', 'support', 'countingReporter.cjs'), '--timeout', '60000', ...selected],
	{ stdio: 'inherit', cwd: root, env: { ...process.env, TEST_RESULTS_FILE: process.env.TEST_RESULTS_FILE ?? join(root, 'test-results', 'unit.json') } },
);
process.exit(result.status ?? 1);
