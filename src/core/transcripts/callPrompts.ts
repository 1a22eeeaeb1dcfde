import type { LlmCall, Transcript, TranscriptMessage } from './model';
import { outputMessage } from './messageShapes';

/**
 * Each call's full prompt, with delta inputs expanded along their thread (the previous prompt of the
 * thread, that call's output as an assistant message, then the delta). Lazy, in call order; every
 * yielded array is the caller's to keep. Expanding costs O(calls × prompt length): consumers that
 * only need growth per step (the replay simulator) should read the deltas directly.
 * Returns nothing useful for transcripts imported without content (`contentRetained: false`).
 */
export function* callPrompts(t: Transcript): Generator<{ readonly call: LlmCall; readonly messages: readonly TranscriptMessage[] }> {
	const threads = new Map<string, TranscriptMessage[]>();
	for (const call of t.calls) {
		const input = call.input;
		const history = input === undefined ? [] : input.kind === 'full' ? [...input.messages] : [...(threads.get(call.thread) ?? []), ...input.messages];
		yield { call, messages: history.slice() };
		if (call.output) history.push(outputMessage(call.output));
		threads.set(call.thread, history);
	}
}
