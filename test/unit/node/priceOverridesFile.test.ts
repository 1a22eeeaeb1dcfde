import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPriceOverridesFile, readWorkspacePriceOverrides, workspacePriceOverridesPath } from '../../../src/node/priceOverridesFile';

describe('price overrides file', () => {
	let dir: string;
	beforeEach(() => {
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-prices-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	function writeWorkspaceFile(text: string): void {
		mkdirSync(join(dir, '.agent-cost'), { recursive: true });
		writeFileSync(workspacePriceOverridesPath(dir), text);
	}

	it('a missing file is not a problem', async () => {
		const r = await readWorkspacePriceOverrides(dir);
		assert.equal(r.found, false);
		assert.deepEqual(r.overrides, {});
		assert.deepEqual(r.problems, []);
	});

	it('reads and parses the workspace file; problems name the file and the key', async () => {
		writeWorkspaceFile('\uFEFF' + JSON.stringify({ 'team-model': { input: 2, output: 4 }, broken: { input: 'x' } }));
		const r = await readWorkspacePriceOverrides(dir);
		assert.equal(r.found, true);
		assert.deepEqual(Object.keys(r.overrides), ['team-model']);
		assert.ok(r.problems.length > 0);
		for (const p of r.problems) assert.ok(p.startsWith(join('.agent-cost', 'prices.json') + ': "broken"'), p);
		assert.equal(r.fileError, undefined);
	});

	it('invalid JSON is a file-level problem, with the parser position', async () => {
		writeWorkspaceFile('{ "gpt-4o": { "input": 1, }');
		const r = await readWorkspacePriceOverrides(dir);
		assert.equal(r.found, true);
		assert.deepEqual(r.overrides, {});
		assert.match(r.fileError ?? '', /prices\.json: is not valid JSON \(.*position/);
	});

	it('a folder or an oversized file is reported, not read', async () => {
		mkdirSync(join(dir, 'folder.json'));
		assert.match((await readPriceOverridesFile(join(dir, 'folder.json'), 'folder.json')).fileError ?? '', /folder\.json: is a folder/);
		writeFileSync(join(dir, 'big.json'), 'x'.repeat(1024 * 1024 + 1));
		assert.match((await readPriceOverridesFile(join(dir, 'big.json'), 'big.json')).fileError ?? '', /big\.json: is \d+ bytes/);
	});

	it('honours a custom relative path (agentCost.pricing.overridesFile)', async () => {
		writeFileSync(join(dir, 'prices.custom.json'), JSON.stringify({ m: { input: 1, output: 1 } }));
		const r = await readWorkspacePriceOverrides(dir, 'prices.custom.json');
		assert.deepEqual(Object.keys(r.overrides), ['m']);
	});
});
