/**
 * Observation masking: keep the most recent N tool outputs (observations) whole and replace each
 * older one with a one-line placeholder that names what was elided — the tool call that produced
 * it, its size and a content hash. Nothing else is touched: the system prompt, the task, the
 * assistant's reasoning and its tool calls stay as they were, and a masked observation keeps its
 * role and tool-result ids, so tool-call/result pairs stay valid for every provider.
 *
 * On SWE-bench-style coding agents this halved cost at an equal solve rate in JetBrains' 2025
 * study, where LLM summaries made runs longer. It is cache-aware through its cadence: masking
 * rewrites the provider's cached prompt prefix, so it runs in batches at a stable boundary (every K
 * steps, {@link maskTrigger}) rather than at every step — between batches the prompt only grows.
 */
import { fastHash } from '../lib/fastHash';
import type { AgentAction } from './agentActions';
import { describeAction, producingAction } from './agentActions';
import type { CompressionTrigger } from './history';
import type { EngineMessage } from './messages';
import { isObservation } from './messages';
import { compressionResult, type CountingOptions, unchangedResult } from './result';
import type { CompressionChange, HistoryCompressionResult } from './types';

/** A masked observation (a placeholder a masking left), which is never counted or masked again. */
export function isMasked(m: EngineMessage): boolean {
	return m.compression?.kind === 'masked';
}

/**
 * Whether this step is a masking batch: its 1-based step number is a multiple of `every`. A
 * request without a step number cannot be batched, so every such call masks.
 */
export function maskTrigger(step: number | undefined, every: number): Extract<CompressionTrigger, { kind: 'maskBatch' }> | undefined {
	if (step === undefined || step <= 0) return { kind: 'maskBatch', every };
	return step % Math.max(1, every) === 0 ? { kind: 'maskBatch', step, every } : undefined;
}

function lineCount(text: string): number {
	let n = 1;
	for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
	return n;
}

/** The placeholder's text: the tool, the size and a content hash of what it replaces. */
export function placeholderText(content: string, action: AgentAction | undefined): string {
	const what = action ? `the output of ${describeAction(action)}` : 'a tool output';
	const hash = fastHash(content).toString(16).padStart(14, '0').slice(0, 10);
	return `[observation elided to save context: ${what} — ${content.length.toLocaleString('en-US')} characters, ${lineCount(content).toLocaleString('en-US')} lines, hash ${hash}. Run the call again if you need it.]`;
}

// The same observation masked again (a replay's next batch, a live run's next call) must be the
// SAME object: token counts are memoized per message object, and a replay keys cached prefixes by it.
const placeholders = new WeakMap<EngineMessage, EngineMessage>();
const sources = new WeakMap<EngineMessage, EngineMessage>();

function masked(m: EngineMessage, action: AgentAction | undefined): EngineMessage {
	let p = placeholders.get(m);
	if (!p) {
		p = { ...m, content: placeholderText(m.content, action), compression: { kind: 'masked', replaces: 1 } };
		placeholders.set(m, p);
		sources.set(p, m);
	}
	return p;
}

/** The observation a placeholder stands for (the gateway edits that entry of the agent's body in place). */
export function maskedSource(placeholder: EngineMessage): EngineMessage | undefined {
	return sources.get(placeholder);
}

/** Masks every observation older than the newest `keep` whole ones (see the module comment). */
export function maskObservations(messages: readonly EngineMessage[], keep: number, o: CountingOptions): HistoryCompressionResult {
	let whole = 0;
	let cut = -1;
	for (let i = messages.length - 1; i >= 0; i--) {
		const m = messages[i]!;
		if (!isObservation(m) || isMasked(m)) continue;
		if (++whole > keep) {
			cut = i;
			break;
		}
	}
	if (cut < 0) return unchangedResult('observationMask', messages, o);
	const out = messages.slice();
	const changes: CompressionChange[] = [];
	for (let i = 0; i <= cut; i++) {
		const m = messages[i]!;
		if (!isObservation(m) || isMasked(m)) continue;
		const action = producingAction(messages, i);
		out[i] = masked(m, action);
		changes.push({ kind: 'masked', index: i, tool: action ? describeAction(action, 40) : 'tool output' });
	}
	return compressionResult('observationMask', messages, out, changes, o);
}

/** Observations of `messages` still whole (not masked). */
export function wholeObservations(messages: readonly EngineMessage[]): number {
	let n = 0;
	for (const m of messages) if (isObservation(m) && !isMasked(m)) n++;
	return n;
}
