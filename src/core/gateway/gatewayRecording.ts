/**
 * A gateway call as recording lines, in the product's recording format and through the same code
 * as live calls (`live/recordingLines.ts`, `live/budgetEvents.ts`), so `agent-cost report`, the
 * Spend view and the replay panel read gateway runs like any other recording. Two differences:
 * the prompt is written as a delta where the run allows it (`recordedInput.ts`), and the record
 * carries the policy's decisions (enforce mode) in its explanation and routing fields.
 */
import { budgetEventLines } from '../live/budgetEvents';
import type { LiveCallRecord } from '../live/liveCallRecord';
import { toRecordedCalls, toRecordingLines } from '../live/recordingLines';
import type { FinishReason } from '../ports/llmTransport';
import type { CallInput } from '../transcripts/model';
import { serializeRecordedCall, serializeRecordedEvent } from '../transcripts/recording';

/** A provider's stop word in the product's normalized vocabulary. */
export function finishReasonOf(stop: string | undefined): FinishReason {
	switch (stop) {
		case undefined:
		case 'end_turn':
		case 'stop':
		case 'stop_sequence':
		case 'completed':
			return 'stop';
		case 'max_tokens':
		case 'length':
		case 'max_output_tokens':
		case 'model_context_window_exceeded':
			return 'length';
		case 'tool_use':
		case 'tool_calls':
		case 'function_call':
			return 'toolCalls';
		case 'content_filter':
		case 'refusal':
			return 'contentFilter';
		default:
			return 'other';
	}
}

/**
 * The lines for one call. `input` replaces the (empty) message list of the record: the gateway
 * keeps the agent's prompt as transcript messages, delta-encoded per thread.
 */
export function gatewayRecordingLines(record: LiveCallRecord, input: { readonly thread: string; readonly input: CallInput } | undefined): string {
	if (record.status === 'refused' || !input) return toRecordingLines(record) + budgetEventLines(record);
	const calls = toRecordedCalls(record);
	const main = calls[calls.length - 1];
	const lines = calls.slice(0, -1).map(serializeRecordedCall);
	if (main) lines.push(serializeRecordedCall({ ...main, thread: input.thread, input: input.input }));
	const decisions = record.explanation.filter(e => e.stage !== 'budget' && e.rule !== 'route.pinned' && e.rule !== 'cache.miss' && e.rule !== 'cache.off' && e.rule !== 'route.model');
	if (decisions.length) {
		lines.push(serializeRecordedEvent({ kind: 'gatewayDecision', at: record.startedAt, runId: record.runId, thread: input.thread, message: decisions.map(d => `${d.stage}: ${d.text}`).join('; ') }));
	}
	return lines.join('') + budgetEventLines(record);
}
