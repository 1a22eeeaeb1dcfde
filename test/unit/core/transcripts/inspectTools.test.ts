import * as assert from 'node:assert/strict';
import { countChat } from '../../../../src/core/tokens/count';
import { importPublicFixture } from './transcriptTestKit';

/** Inspect model events carry the tool definitions sent: their schemas and attachment:// descriptions count. */
describe('Inspect: tool definitions of model events', () => {
	it('reads `parameters` (newer logs) and resolves attachment:// descriptions: counted prompts track the recorded ones', () => {
		const t = importPublicFixture('inspect_ai/inspect_browser_2025-05-12.json');
		assert.equal(t.calls.length, 5);
		const tools = t.calls[0].input!.tools!;
		assert.equal(tools.length, 8);
		assert.ok(tools.every(d => d.parameters !== undefined && !(d.description ?? '').startsWith('attachment://')));
		const gaps = t.calls.map(c => countChat(c.model, c.input!.messages, c.input!.tools).tokens - c.usage.input);
		// The history is exact; the 8 browser tools' rendering is 14 tokens over (77 under without their schemas).
		assert.deepEqual(gaps, [14, 14, 14, 14, 14]);
		assert.deepEqual(
			t.calls.map(c => c.usage.input),
			[1124, 1568, 2732, 3896, 5915],
		);
	});
});
