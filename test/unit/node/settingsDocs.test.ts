import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths';

describe('settings documentation', () => {
	it('package.json and the README settings table are generated from the one schema (run `node scripts/syncSettings.mjs` to fix)', () => {
		const r = spawnSync(process.execPath, [join(repoRoot(), 'scripts', 'syncSettings.mjs'), '--check'], { cwd: repoRoot(), encoding: 'utf8' });
		assert.equal(r.status, 0, r.stderr || r.stdout);
		assert.match(r.stdout, /in sync \(\d+ keys\)/);
	});
});
