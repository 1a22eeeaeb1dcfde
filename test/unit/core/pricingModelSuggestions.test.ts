import * as assert from 'node:assert/strict';
import { editDistance, isKnownModel, knownModelIds, suggestModelIds, unknownModelMessage } from '../../../src/core/pricing/modelSuggestions';

/** "Did you mean…?" over the catalog's model ids: typos must name the model the user meant. */
describe('model id suggestions', () => {
	it('edit distance counts insertions, deletions, substitutions and adjacent swaps as one edit each', () => {
		assert.equal(editDistance('gpt-4o', 'gpt-4o'), 0);
		assert.equal(editDistance('gpt-4oo', 'gpt-4o'), 1);
		assert.equal(editDistance('gtp-4o', 'gpt-4o'), 1);
		assert.equal(editDistance('claude-sonet-4-5', 'claude-sonnet-4-5'), 1);
		assert.equal(editDistance('kitten', 'sitting'), 3);
		// Stops early beyond the limit (returns limit + 1).
		assert.equal(editDistance('abcdefgh', 'zzzzzzzz', 2), 3);
	});

	it('typos of real ids suggest the intended id first', () => {
		const ids = knownModelIds();
		assert.equal(suggestModelIds('gpt-4oo', ids)[0], 'gpt-4o');
		assert.equal(suggestModelIds('GTP-4o', ids)[0], 'gpt-4o');
		assert.equal(suggestModelIds('claude-sonet-4-5', ids)[0], 'claude-sonnet-4-5');
		assert.equal(suggestModelIds('gemini-2.5-prp', ids)[0], 'gemini-2.5-pro');
		assert.equal(suggestModelIds('o3-mni', ids)[0], 'o3-mini');
		assert.ok(suggestModelIds('gpt-4oo', ids).length <= 3);
	});

	it('nothing close: no suggestion rather than a random one', () => {
		assert.deepEqual(suggestModelIds('totally-unknown-xyz'), []);
		assert.deepEqual(suggestModelIds(''), []);
	});

	it('override keys are candidates; globs are not', () => {
		const ids = knownModelIds({ 'my-org/llm-7b': { input: 1, output: 1 }, 'my-org/*': { input: 1, output: 1 } });
		assert.ok(ids.includes('my-org/llm-7b'));
		assert.ok(!ids.includes('my-org/*'));
		assert.deepEqual(suggestModelIds('my-org/llm-7c', ids), ['my-org/llm-7b']);
	});

	it('known = an override or the dataset names it (dated ids and provider prefixes included)', () => {
		assert.equal(isKnownModel('claude-sonnet-4-5-20250929'), true);
		assert.equal(isKnownModel('openai/gpt-4o-mini'), true);
		assert.equal(isKnownModel('gpt-4oo'), false);
		assert.equal(isKnownModel('my-org/llm-7b', { 'my-org/*': { input: 1, output: 1 } }), true);
	});

	it('the message names the id, the suggestions and where to add a private model', () => {
		const m = unknownModelMessage('gpt-4oo', ['gpt-4o']);
		assert.match(m, /unknown model "gpt-4oo".*did you mean "gpt-4o"\?.*agentCost\.pricing\.overrides/);
		assert.match(unknownModelMessage('zzz', []), /no known model id is close to it/);
	});
});
