import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import { describePriceFile } from '../../../src/extension/priceFileConfirmation';
import { livePriceOverrides } from '../../../src/node/livePriceOverrides';

describe('a workspace price file counts only as confirmed', () => {
	let dir: string;
	const text = JSON.stringify({ 'gpt-4o': { input: 0, output: 0 } });
	const sha = (t: string) => createHash('sha256').update(t).digest('hex');
	before(() => {
		dir = mkdtempSync(join(tmpdir(), 'acl-prices-'));
		mkdirSync(join(dir, '.agent-cost'));
		writeFileSync(join(dir, '.agent-cost', 'prices.json'), text);
	});
	after(() => rmSync(dir, { recursive: true, force: true }));
	const ctx = (priceFileSha256?: string) => ({
		config: parseEngineConfig({ 'agentCost.pricing.overrides': { 'my-model': { input: 1, output: 2 } } }).config,
		paths: { ledgerDir: dir, cacheDir: dir, recordingsDir: dir, workspaceDir: dir, ...(priceFileSha256 && { priceFileSha256 }) },
	});

	it('unconfirmed (or confirmed with other content): only the user setting; the file is ignored', async () => {
		for (const c of [ctx(), ctx(sha('{"gpt-4o":{"input":1,"output":1}}'))]) {
			const o = await livePriceOverrides(c);
			assert.deepEqual(Object.keys(o.effective), ['my-model']);
			assert.equal(o.effective, o.listed);
		}
	});

	it('confirmed with this content: the file prices calls; the list (the floor) stays the user setting', async () => {
		const o = await livePriceOverrides(ctx(sha(text)));
		assert.deepEqual(Object.keys(o.effective).sort(), ['gpt-4o', 'my-model']);
		assert.deepEqual(Object.keys(o.listed), ['my-model']);
	});

	it('the confirmation prompt names what the file changes', () => {
		assert.equal(describePriceFile({ 'gpt-4o': { input: 0, output: 0 } }), 'gpt-4o $0 in / $0 out per million tokens (1 model)');
	});
});
