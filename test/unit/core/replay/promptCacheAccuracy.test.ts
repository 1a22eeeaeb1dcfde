import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultEngineConfig } from '../../../../src/core/config/parseEngineConfig';
import { defaultPriceCatalog } from '../../../../src/core/pricing/catalog';
import { PreparedRun } from '../../../../src/core/replay/preparedRun';
import { measurePromptCache } from '../../../../src/core/replay/promptCacheAccuracy';
import { asRecordedScenario } from '../../../../src/core/replay/scenario';
import { simulateScenario } from '../../../../src/core/replay/simulator';
import { countChat, countText } from '../../../../src/core/tokens/count';
import { importTranscript } from '../../../../src/core/transcripts/importTranscript';
import { transcriptsDir } from '../../../support/paths';

const counter = { countText, countChat };
const prepare = (name: string) => {
	const file = join(transcriptsDir(), name);
	return new PreparedRun(importTranscript(readFileSync(file, 'utf8'), { file, counter }), { counter, catalog: defaultPriceCatalog() });
};

describe('the prompt-cache simulator measured against recorded cache usage', () => {
	const asRecorded = asRecordedScenario(defaultEngineConfig());
	for (const name of [
		'claude_code/claude-reliability_hello-world-script.jsonl',
		'claude_code/fasthooks_sample_main_transcript.jsonl',
		'claude_code/spotter_tool_heavy.jsonl',
		'anthropic_messages/pydai_anthropic_cache_real_api.json',
	]) {
		it(`predicts the recorded cache reads within 2 % and writes within 5 %: ${name}`, async () => {
			const a = await measurePromptCache(prepare(name), asRecorded);
			assert.ok(a.steps >= 2);
			assert.ok(a.recorded.read > 0);
			assert.ok(Math.abs(a.readError!) <= 0.02, `read ${a.predicted.read} vs recorded ${a.recorded.read}`);
			assert.ok(Math.abs(a.writeError!) <= 0.05, `write ${a.predicted.write} vs recorded ${a.recorded.write}`);
		});
	}

	it("fromStep simulates even where nothing differs and reports each step's recorded usage next to its simulated usage", async () => {
		const run = prepare('claude_code/spotter_tool_heavy.jsonl');
		const r = await simulateScenario(run, { ...asRecorded, promptCache: { ...asRecorded.promptCache, fromStep: 2 } });
		assert.equal(r.perStep[0]!.recorded, true, 'step 1 keeps the recording');
		assert.equal(r.perStep[0]!.recordedUsage, undefined);
		for (const s of r.perStep.slice(1)) {
			assert.equal(s.recorded, false);
			assert.ok(s.recordedUsage, `step ${s.step} carries its recorded usage`);
		}
	});

	it('a thinking turn drops the cached messages but keeps the system prompt and tools (spotter step 3)', async () => {
		const run = prepare('claude_code/spotter_tool_heavy.jsonl');
		const r = await simulateScenario(run, { ...asRecorded, promptCache: { ...asRecorded.promptCache, fromStep: 1 } });
		const [s2, s3, s4] = [r.perStep[1]!, r.perStep[2]!, r.perStep[3]!];
		assert.ok(s3.usage.cacheRead < 0.75 * s2.usage.input, 'only the head is read when thinking switches on');
		assert.ok(s4.usage.cacheRead > s3.usage.input * 0.99, 'the next call of the same turn reads it all again');
	});
});
