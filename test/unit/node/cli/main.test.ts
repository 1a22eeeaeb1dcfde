import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../support/paths';

/** The real binary (dist/cli.js, what `agent-cost` runs), as a user calls it. */
function agentCost(...args: string[]) {
	const r = spawnSync(process.execPath, [join(repoRoot(), 'dist', 'cli.js'), ...args], { encoding: 'utf8', cwd: repoRoot() });
	return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('agent-cost (the CLI binary)', () => {
	it('--version prints the package version', () => {
		const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
		const r = agentCost('--version');
		assert.equal(r.code, 0);
		assert.equal(r.stdout.trim(), version);
	});

	it('--help lists every command and the exit codes', () => {
		const r = agentCost('--help');
		assert.equal(r.code, 0);
		for (const c of ['count', 'price', 'report', 'replay', 'compress', 'metrics']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
		assert.match(r.stdout, /Exit codes: 0 ok, 1 .*, 2 bad arguments/);
		assert.equal(agentCost('replay', '--help').code, 0);
	});

	it('bad arguments exit 2 with one line saying why', () => {
		for (const args of [['frobnicate'], ['count', 'x.txt', '--colour'], ['price', '--model', 'gpt-4o', '--input', 'lots', '--output', '1'], ['price', '--input', '1', '--output', '1']]) {
			const r = agentCost(...args);
			assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
			assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
			assert.match(r.stderr, /^agent-cost: /);
		}
	});

	it('an unknown model is exit 2 with the reason and how to add a price, never $0', () => {
		const r = agentCost('price', '--model', 'no-such-model-x', '--input', '1000', '--output', '10');
		assert.equal(r.code, 2);
		assert.match(r.stderr, /no-such-model-x/);
		assert.match(r.stderr + r.stdout, /override/i);
		assert.ok(!/\$0\.00/.test(r.stdout));
	});
});
