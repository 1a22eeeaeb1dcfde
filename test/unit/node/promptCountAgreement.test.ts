// One prompt-file reader: the status-bar lens (the token worker's documents), `agent-cost count`
// and `agent-cost compress --json` give the same tokens for the same file and model — checked on
// every file of the sample workspace and of the test fixtures, for an exact and an estimated model.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { TokenDocuments } from '../../../src/core/lens/tokenDocuments';
import type { DocumentCount, TokenWorkerRequest } from '../../../src/core/lens/workerProtocol';
import { promptFormatOf } from '../../../src/core/prompts/promptGlobs';
import { countChat, countText } from '../../../src/core/tokens/count';
import { compressText } from '../../../src/node/cli/compressCommand';
import { countFile } from '../../../src/node/cli/countCommand';
import { repoRoot } from '../../support/paths';

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap(n => {
		const p = join(dir, n);
		return statSync(p).isDirectory() ? filesUnder(p) : [p];
	});
}

const root = repoRoot();
const files = [...filesUnder(join(root, 'sample-workspace')), ...filesUnder(join(root, 'test', 'fixtures'))].filter(f => statSync(f).size < 2_000_000);

describe('one prompt-file reader: the lens, `count` and `compress` agree on every sample and fixture file', function () {
	this.timeout(120_000);
	it('covers the sample workspace and the fixtures, every format', () => {
		assert.ok(files.length >= 20, `${files.length} files`);
		const formats = new Set(files.map(promptFormatOf));
		assert.deepEqual([...formats].sort(), ['chat', 'prompty', 'text']);
	});

	for (const model of ['gpt-4o', 'claude-sonnet-4-5']) {
		it(`the same tokens for ${model}`, async () => {
			const docs = new TokenDocuments();
			let id = 0;
			for (const file of files) {
				const name = relative(root, file);
				const text = readFileSync(file, 'utf8');
				const format = promptFormatOf(file);
				const r = docs.handle({ type: 'open', id: ++id, docId: name, version: 1, model, text, prompt: { format, compare: [] } } as TokenWorkerRequest);
				assert.ok(r.ok, `${name}: the lens opened it`);
				let counted = r.result as DocumentCount;
				// A pathological chunk (a long base64 run) is estimated first and counted exactly in the worker's idle time.
				while (docs.hasPendingRefinement()) counted = docs.refineOne()?.count ?? counted;
				const lens = counted.prompt!;
				// The lens follows a model the file names; the CLI is told the same model.
				const used = (r.result as DocumentCount).model;
				const cli = await countFile(text, used, { fileName: file });
				const compressed = compressText(text, 'lossless', { model: used, counter: { countText, countChat }, format, targetRatio: 0.8, keepTokens: 1500, window: 4, maxToolTokens: 2000 });
				assert.equal(cli.tokens, lens.tokens, `${name} (${format}, ${used}): count ${cli.tokens} vs lens ${lens.tokens}`);
				assert.equal(compressed.originalTokens, lens.tokens, `${name} (${format}, ${used}): compress ${compressed.originalTokens} vs lens ${lens.tokens}`);
				assert.equal(cli.exact, lens.exact, `${name}: the same exactness`);
				docs.handle({ type: 'close', id: ++id, docId: name } as TokenWorkerRequest);
			}
		});
	}
});
