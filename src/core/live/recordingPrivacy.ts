import type { RecordingsMode } from '../config/defaults';
import type { ProviderMessage } from '../ports/llmTransport';
import type { LiveCallRecord } from './liveCallRecord';

/**
 * A live call as `agentCost.recordings.mode: metadata` keeps it: models, routing, token counts,
 * costs, timings, status and tool NAMES — no prompt, answer, tool arguments or tool results. The
 * messages keep their roles (with empty text), so a report still shows the shape of the call.
 */
function metadataOnly(r: LiveCallRecord): LiveCallRecord {
	return {
		...r,
		messages: r.messages.map((m): ProviderMessage => (m.role === 'tool' ? { role: 'tool', toolCallId: m.toolCallId, content: '' } : { role: m.role, content: '' })),
		...(r.tools && { tools: r.tools.map(t => ({ name: t.name })) }),
		...(r.response && { response: { ...r.response, text: '', toolCalls: r.response.toolCalls.map(c => ({ ...c, arguments: '' })) } }),
	};
}

/** What a recording of `r` holds under `mode`: all of it, its metadata, or nothing (undefined). */
export function recordedUnder(mode: RecordingsMode, r: LiveCallRecord): LiveCallRecord | undefined {
	return mode === 'off' ? undefined : mode === 'metadata' ? metadataOnly(r) : r;
}
