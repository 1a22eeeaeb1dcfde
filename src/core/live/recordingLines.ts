/**
 * A live call as lines of the product's recording format (`transcripts/recording.ts`, documented
 * in the README), so the replay panel and `agent-cost report` read live calls like any transcript:
 *
 * - an answered, failed or cancelled call → one `call` record with its usage and cost (estimated
 *   usage is marked `counted`, not exact);
 * - models charged before a fallback answered → one `call` record each (status `error`), so the
 *   recording's costs add up to what the budget was charged; so does the history summary and the
 *   semantic cache's embedding (no input: they were not sent the chat prompt);
 * - a cache hit → a `call` record with zero usage and `servedFrom`;
 * - a budget refusal → a `call` record with status `refused`, zero usage and the request (so a
 *   replay can decide it again), after the side calls (an embedding) it had already paid for, and
 *   an `event` record (`budgetRefused`) for the Spend view.
 */
import { zeroUsage } from '../pricing/usage';
import type { ProviderMessage } from '../ports/llmTransport';
import { serializeRecordedCall, serializeRecordedEvent, serializeRecordedRun, type RecordedCall } from '../transcripts/recording';
import type { TranscriptMessage } from '../transcripts/model';
import type { LiveCallRecord } from './liveCallRecord';

function transcriptMessage(m: ProviderMessage): TranscriptMessage {
	switch (m.role) {
		case 'assistant':
			return m.toolCalls?.length ? { role: 'assistant', content: m.content, toolCalls: m.toolCalls, toolCallIds: m.toolCalls.map(c => c.id) } : { role: 'assistant', content: m.content };
		case 'tool':
			return { role: 'tool', content: m.content, toolResultIds: [m.toolCallId], observation: true };
		default:
			return { role: m.role, content: m.content };
	}
}

function status(r: LiveCallRecord): RecordedCall['status'] {
	if (r.status === 'ok' || r.status === 'cacheHit') return 'ok';
	return r.status === 'cancelled' ? 'cancelled' : 'error';
}

const sideCallNames = { summary: 'history summary', embedding: 'semantic-cache embedding' } as const;
const sideCallReasons = { summary: 'summary of older history (compression)', embedding: 'embedding of the request for the semantic cache' } as const;

/** The `call` records of one live call (see the module comment). */
export function toRecordedCalls(r: LiveCallRecord): RecordedCall[] {
	const tools = r.tools?.length ? { tools: r.tools } : {};
	// `input` is the agent's request; `sent` what the policies made of it, when that differs.
	const input = { kind: 'full' as const, messages: (r.requestMessages ?? r.messages).map(transcriptMessage), ...tools };
	const sent = r.requestMessages ? { kind: 'full' as const, messages: r.messages.map(transcriptMessage), ...tools } : undefined;
	const request = {
		...(r.requested && { model: r.requested.model, ...(r.requested.pinned && { pinned: true }) }),
		...(r.params.maxOutputTokens !== undefined && { maxOutputTokens: r.params.maxOutputTokens }),
		...(r.params.temperature !== undefined && { temperature: r.params.temperature }),
	};
	const requestField = Object.keys(request).length > 0 ? { request } : {};
	const routing = { requestedModel: r.routedModel, ...(r.downgradedFrom ? { reason: `soft budget: downgraded from ${r.downgradedFrom}` } : {}) };
	const others: RecordedCall[] = (r.otherCharges ?? []).map(c => ({
		runId: r.runId,
		at: r.startedAt,
		model: c.model,
		provider: r.provider,
		usage: c.usage,
		// An embedding is billed as counted with the model's own tokenizer (exact, but ours, not the provider's report).
		usageSource: c.estimated || c.purpose === 'embedding' ? 'counted' : 'recorded',
		usageExact: !c.estimated,
		...(c.costUsd !== undefined ? { costUsd: c.costUsd } : {}),
		// A summary was sent the older history and an embedding the request as text, neither of
		// which the record keeps as a chat prompt: no input rather than a wrong one. Their own
		// thread keeps the agent's prompt sequence (and a replay's cache model) unbroken.
		...(c.purpose ? { thread: c.purpose, purpose: c.purpose } : { input }),
		...(c.purpose
			? {
					...(c.status === 'ok'
						? {}
						: { status: 'error' as const, error: { reason: `${c.purpose}Failed`, message: `the ${sideCallNames[c.purpose]} by ${c.model} failed after it may have been billed` } }),
					routing: { requestedModel: c.model, reason: sideCallReasons[c.purpose] },
				}
			: {
					status: c.status === 'cancelled' ? ('cancelled' as const) : ('error' as const),
					error: { reason: c.status, message: `${c.model} failed after it was billed; a fallback model answered` },
					routing,
				}),
	}));
	if (r.status === 'refused') {
		// Not sent, so nothing was used; the request is kept so a replay can decide it again.
		return [
			...others,
			{
				runId: r.runId,
				at: r.startedAt,
				model: r.model,
				usage: zeroUsage,
				input,
				...requestField,
				status: 'refused',
				...(r.error && { error: { reason: r.error.reason, message: r.error.message } }),
				...(r.policy && { policy: r.policy }),
			},
		];
	}
	const estimated = r.usageSource === 'estimated';
	const main: RecordedCall = {
		runId: r.runId,
		...(r.response?.responseId ? { id: r.response.responseId } : {}),
		...(r.response?.requestId ? { requestId: r.response.requestId } : {}),
		at: r.startedAt,
		endedAt: r.endedAt,
		durationMs: r.latencyMs,
		model: r.response?.servedModel || r.model,
		...(r.provider ? { provider: r.provider } : {}),
		usage: r.usage ?? zeroUsage,
		usageSource: estimated ? 'counted' : 'recorded',
		usageExact: !estimated,
		...(r.costUsd !== undefined ? { costUsd: r.costUsd } : {}),
		input,
		...(r.response ? { output: { text: r.response.text, toolCalls: r.response.toolCalls, stopReason: r.response.finishReason } } : {}),
		status: status(r),
		...(r.error ? { error: { reason: r.error.reason, message: r.error.message } } : {}),
		...(r.cache ? { servedFrom: r.cache === 'exact' ? 'exactCache' : 'semanticCache' } : {}),
		routing,
		...requestField,
		...(sent && { sent }),
		...(r.policy && { policy: r.policy }),
	};
	return [...others, main];
}

/** The recording lines (each ending in a newline) of one live call. */
export function toRecordingLines(r: LiveCallRecord): string {
	if (r.status === 'refused') {
		// `trigger` is the limit that refused it: run, daily or steps.
		return (
			toRecordedCalls(r).map(serializeRecordedCall).join('') +
			serializeRecordedEvent({ kind: 'budgetRefused', at: r.startedAt, runId: r.runId, trigger: r.error?.reason, message: r.error?.message ?? `a call to ${r.model} was refused by the budget` })
		);
	}
	return toRecordedCalls(r).map(serializeRecordedCall).join('');
}

/** The optional run header a new recording file starts with. */
export function recordingHeader(r: Pick<LiveCallRecord, 'runId' | 'startedAt'>, agent: string): string {
	return serializeRecordedRun({ runId: r.runId, startedAt: r.startedAt, agent });
}
