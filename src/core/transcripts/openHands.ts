/**
 * OpenHands event streams. Trajectory exports are arrays of events; the raw LiteLLM response of each
 * LLM call is copied onto the action AND its observation (`tool_call_metadata.model_response`), and
 * onto every action of a multi-tool response — so calls are deduplicated by response id. Evaluation
 * records (`output.jsonl` lines) add `metrics.token_usages[]`: one entry per call, the authoritative
 * per-call usage, joined to the history by `response_id`. Prompts are rebuilt from the events
 * (OpenHands does not store what it sent), so inputs are marked `reconstructed`.
 */
import { fromOpenAIChatUsage, type Usage, type UsageProblems } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, modelForCounting, plainUsage, PromptCounter, recordedUsage, RunningPromptCounter, TranscriptBuilder, throwIfAborted } from './importSupport';
import { arr, asText, isoTime, isRecord, type JsonRecord, nonEmpty, rec, str } from './jsonAccess';
import { openAIChatOutput, outputMessage, toolDefinitions } from './messageShapes';
import type { CallOutput, RecordedTotals, Transcript, TranscriptMessage } from './model';
import type { ToolDefinitionLike } from '../tokens/types';

function isEvent(v: unknown): boolean {
	return isRecord(v) && typeof v.source === 'string' && ('action' in v || 'observation' in v);
}

export function isOpenHandsTrajectory(doc: unknown): boolean {
	return Array.isArray(doc) && doc.length > 0 && doc.filter(isEvent).length >= Math.max(1, doc.length / 2);
}

export function isOpenHandsEval(doc: unknown): boolean {
	if (!isRecord(doc) || !Array.isArray(doc.history)) return false;
	return (isRecord(doc.metrics) || isRecord(doc.metadata) || 'instance_id' in doc) && (doc.history.length === 0 || doc.history.some(isEvent));
}

function providerOfResponseId(id: string | undefined): string | undefined {
	return id !== undefined && id.startsWith('gen-') ? 'openrouter' : undefined;
}

/** OpenHands' TokenUsage entry in the OpenAI convention: prompt_tokens include cache reads and writes. */
function tokenUsage(raw: unknown, problems?: UsageProblems): Usage {
	const t = rec(raw);
	return fromOpenAIChatUsage(
		{
			prompt_tokens: t.prompt_tokens,
			completion_tokens: t.completion_tokens,
			prompt_tokens_details: { cached_tokens: t.cache_read_tokens },
			cache_creation_input_tokens: t.cache_write_tokens,
		},
		{ problems },
	);
}

interface CallSlot {
	readonly id?: string;
	response?: JsonRecord;
	/** Index of the first event of this call (the prompt delta ends before it). */
	readonly eventIndex: number;
	/** Agent message without a model_response: an LLM call whose usage was not recorded. */
	readonly bare?: TranscriptMessage;
	at?: string;
}

/** Messages an event contributes to the next prompt (user turns, tool results, system/recall text). */
function eventMessage(e: JsonRecord): TranscriptMessage | undefined {
	const args = rec(e.args);
	if (e.source === 'user' && e.action === 'message') return { role: 'user', content: str(args.content) ?? str(e.message) ?? '' };
	if (e.action === 'system') return { role: 'system', content: str(args.content) ?? str(e.message) ?? '' };
	if (e.observation !== undefined && e.observation !== null) {
		if (e.observation === 'agent_state_changed' || e.observation === 'null' || e.observation === '') return undefined;
		const meta = rec(e.tool_call_metadata);
		const callId = str(meta.tool_call_id);
		const content = str(e.content) ?? asText(e.content);
		const name = str(meta.function_name);
		if (callId !== undefined) return { role: 'tool', content, toolCallId: callId, toolResultIds: [callId], ...(name !== undefined && { name }), observation: true };
		return content === '' ? undefined : { role: 'user', content, observation: true };
	}
	return undefined;
}

/** Splits an event list into calls (deduplicated by response id) and the prompt deltas between them. */
function collect(
	events: readonly unknown[],
	signal: AbortSignal | undefined,
): { slots: CallSlot[]; deltas: TranscriptMessage[][]; compactions: { before: number; at?: string }[]; tools?: ToolDefinitionLike[] } {
	let tools: ToolDefinitionLike[] | undefined;
	const slots: CallSlot[] = [];
	const deltas: TranscriptMessage[][] = [];
	const byId = new Map<string, CallSlot>();
	const compactions: { before: number; at?: string }[] = [];
	let pending: TranscriptMessage[] = [];
	events.forEach((raw, n) => {
		if (n % 1024 === 0) throwIfAborted(signal);
		const e = rec(raw);
		const meta = rec(e.tool_call_metadata);
		const response = isRecord(meta.model_response) ? meta.model_response : undefined;
		const id = nonEmpty(response?.id);
		const at = isoTime(e.timestamp);
		if (e.action === 'condensation' || e.observation === 'condensation') {
			compactions.push({ before: slots.length, ...(at !== undefined && { at }) });
		}
		if (response !== undefined && e.source === 'agent' && e.observation === undefined) {
			if (id !== undefined && byId.has(id)) return; // another action of the same response
			const slot: CallSlot = { ...(id !== undefined && { id }), response, eventIndex: n, ...(at !== undefined && { at }) };
			if (id !== undefined) byId.set(id, slot);
			slots.push(slot);
			deltas.push(pending);
			pending = [];
			return;
		}
		if (response === undefined && e.source === 'agent' && e.action === 'message') {
			const content = str(rec(e.args).content) ?? str(e.message) ?? '';
			if (content !== '') {
				slots.push({ eventIndex: n, bare: { role: 'assistant', content }, ...(at !== undefined && { at }) });
				deltas.push(pending);
				pending = [];
			}
			return;
		}
		// Newer exports open with the system message and the tool definitions the agent sends on every call.
		if (e.action === 'system') tools ??= toolDefinitions(rec(e.args).tools);
		const m = eventMessage(e);
		if (m) pending.push(m);
	});
	return { slots, deltas, compactions, ...(tools !== undefined && { tools }) };
}

function outputOf(slot: CallSlot): CallOutput {
	if (slot.response) return openAIChatOutput(slot.response.choices);
	return { text: slot.bare?.content ?? '', toolCalls: [] };
}

function build(format: 'openhands-trajectory' | 'openhands-eval', events: readonly unknown[], doc: JsonRecord, options: ImportOptions): Transcript {
	const b = new TranscriptBuilder(format, options);
	const { slots, deltas, compactions, tools } = collect(events, options.signal);
	const metrics = rec(doc.metrics);
	const configModel = nonEmpty(rec(rec(doc.metadata).llm_config).model) ?? options.model ?? '';
	const usages = new Map<string, JsonRecord>();
	const usageOrder: string[] = [];
	for (const t of arr(metrics.token_usages)) {
		const u = rec(t);
		const id = nonEmpty(u.response_id);
		if (id === undefined || usages.has(id)) continue; // dedupe by response id
		usages.set(id, u);
		usageOrder.push(id);
	}
	const costs = arr(metrics.costs).map((c, i) => b.recordedNumber(rec(c).cost, `metrics.costs[${i}].cost`, 'cost'));
	const perCallCosts = costs.length === usageOrder.length && costs.every(c => c !== undefined) ? new Map(usageOrder.map((id, i) => [id, costs[i] as number])) : undefined;
	// Calls the metrics know but the history does not show (e.g. a trimmed history) still count.
	const known = new Set(slots.map(s => s.id).filter((x): x is string => x !== undefined));
	for (const id of usageOrder) {
		if (known.has(id)) continue;
		slots.push({ id, eventIndex: events.length });
		deltas.push([]);
	}
	const entryOf = (slot: CallSlot) => (slot.id !== undefined ? usages.get(slot.id) : undefined);
	const hasRecordedUsage = (slot: CallSlot) => entryOf(slot) !== undefined || (slot.response !== undefined && isRecord(slot.response.usage));
	// A call without a model_response still went to the run's model: the nearest call that names one.
	const named = slots.map(slot => nonEmpty(slot.response?.model) ?? nonEmpty(entryOf(slot)?.model));
	const runModel = (i: number): string | undefined => {
		for (let d = 1; d < slots.length; d++) {
			const m = named[i - d] ?? named[i + d];
			if (m !== undefined) return m;
		}
		return undefined;
	};
	// Counting (rebuilt prompts) is only needed when some call has no recorded usage.
	const needsCounting = slots.some(s => !hasRecordedUsage(s));
	const pc = new PromptCounter(options.counter);
	const running = new RunningPromptCounter(pc);
	const models = slots.map((slot, i) => named[i] ?? (configModel || runModel(i) || ''));
	// The prompt each call sent, as far as the events show it (the history up to that step).
	const visible = slots.map((slot, i) => {
		if (!needsCounting) return { tokens: 0, exact: true };
		const countModel = modelForCounting(models[i]!);
		const p = running.prompt('main', countModel, { kind: 'delta', messages: deltas[i]!, ...(tools && { tools }) });
		running.addOutput('main', countModel, slot.bare ?? outputMessage(outputOf(slot)));
		return p;
	});
	// The export lacks the system prompt and tool definitions; a call with recorded usage shows
	// how many tokens they are (recorded prompt − visible prompt), and its neighbours sent them too.
	const hidden = slots.map((slot, i) => {
		if (!needsCounting || !hasRecordedUsage(slot)) return undefined;
		const entry = entryOf(slot);
		const input = entry !== undefined ? tokenUsage(entry).input : fromOpenAIChatUsage(slot.response!.usage).input;
		return { tokens: Math.max(0, input - visible[i]!.tokens), call: i };
	});
	const hiddenNear = (i: number) => {
		for (let d = 1; d < slots.length; d++) {
			const h = hidden[i - d] ?? hidden[i + d];
			if (h !== undefined) return h;
		}
		return undefined;
	};
	let bare = 0;
	let missing = 0;
	let inferred = 0;
	let compactionIndex = 0;
	slots.forEach((slot, i) => {
		while (compactionIndex < compactions.length && compactions[compactionIndex]!.before <= i) {
			const c = compactions[compactionIndex++]!;
			b.events.push({ kind: 'compaction', beforeCall: b.calls.length, thread: 'main', source: 'openhands-condenser', ...(c.at !== undefined && { at: c.at }) });
		}
		const response = slot.response;
		const entry = entryOf(slot);
		const model = models[i]!;
		const countModel = modelForCounting(model);
		const input = { kind: 'delta' as const, messages: deltas[i]!, ...(tools && { tools }), reconstructed: true };
		const output = outputOf(slot);
		const at = isoTime(response?.created) ?? slot.at;
		const modelSource = named[i] !== undefined ? ('recorded' as const) : configModel !== '' ? ('config' as const) : model !== '' ? ('run' as const) : ('unknown' as const);
		if (modelSource === 'run') inferred++;
		const common = {
			...(slot.id !== undefined && { id: slot.id }),
			model,
			modelSource,
			...(providerOfResponseId(slot.id) !== undefined && { provider: providerOfResponseId(slot.id) }),
			thread: 'main',
			input,
			output,
			...(at !== undefined && { startedAt: at }),
		};
		const cost = slot.id !== undefined ? perCallCosts?.get(slot.id) : undefined;
		if (entry !== undefined) {
			b.addCall({ ...common, ...recordedUsage(tokenUsage, entry), usageSource: 'recorded', usageExact: true, ...(cost !== undefined && { recordedCostUsd: cost }) });
		} else if (response !== undefined && isRecord(response.usage)) {
			b.addCall({ ...common, ...recordedUsage((u, problems) => fromOpenAIChatUsage(u, { problems }), response.usage), usageSource: 'recorded', usageExact: true });
		} else {
			if (slot.bare) bare++;
			else missing++;
			const o = pc.output(countModel, output);
			const h = hiddenNear(i);
			b.addCall({
				...common,
				usage: plainUsage(visible[i]!.tokens + (h?.tokens ?? 0), o.tokens, o.reasoning),
				usageSource: 'counted',
				usageExact: false,
				usageNotes: [
					h !== undefined
						? `no recorded usage for this call: counted from the prompt rebuilt from the events (the history up to this step) plus ${h.tokens} tokens of system prompt and tool definitions that call ${h.call + 1}'s recorded usage shows the export leaves out`
						: 'no recorded usage for this call: counted from the prompt rebuilt from the events (a lower bound: the system prompt and tool definitions are not in the export)',
				],
			});
		}
	});
	while (compactionIndex < compactions.length) {
		const c = compactions[compactionIndex++]!;
		b.events.push({ kind: 'compaction', beforeCall: b.calls.length, thread: 'main', source: 'openhands-condenser', ...(c.at !== undefined && { at: c.at }) });
	}
	const hiddenKnown = hidden.some(h => h !== undefined);
	const how = hiddenKnown
		? 'counted from the rebuilt prompt plus the system prompt and tool definitions a recorded call shows are missing from the export (≈)'
		: 'counted from the rebuilt prompt (lower bound: the system prompt and tool definitions are not in the export)';
	if (bare > 0) b.warn('missingUsage', `${bare} agent message(s) carry no model_response: their LLM calls have no recorded usage and are ${how}`);
	if (inferred > 0)
		b.warn(
			'modelGuessed',
			`${inferred} call(s) record no model: priced as the run's model from its other calls (${[...new Set(models.filter((m, i) => named[i] === undefined && m !== ''))].join(', ')})`,
		);
	if (missing > 0) b.warn('missingUsage', `${missing} call(s) have no usage in their model_response: ${how}`);
	const latencyIds = arr(metrics.response_latencies)
		.map(l => nonEmpty(rec(l).response_id))
		.filter((x): x is string => x !== undefined);
	const orphanLatencies = [...new Set(latencyIds)].filter(id => !usages.has(id) && !known.has(id));
	if (usages.size > 0 && orphanLatencies.length > 0) {
		b.warn('missingUsage', `${orphanLatencies.length} response(s) have a latency but no token usage (e.g. ${orphanLatencies[0]}): a call that failed or was retried — not counted`);
	}
	let recordedTotals: RecordedTotals | undefined;
	if (isRecord(metrics.accumulated_token_usage) || metrics.accumulated_cost !== undefined) {
		const acc = rec(metrics.accumulated_token_usage);
		const accCost = b.recordedNumber(metrics.accumulated_cost, 'metrics.accumulated_cost', 'cost');
		// accumulated_cost 0 with no per-call costs means nothing was priced (an unknown model behind a proxy).
		const priced = accCost !== undefined && (accCost > 0 || costs.length > 0);
		recordedTotals = {
			source: 'metrics.accumulated_token_usage / accumulated_cost',
			calls: usages.size,
			...(isRecord(metrics.accumulated_token_usage) && { usage: tokenUsage(acc), fields: ['input', 'cacheRead', 'cacheWrite5m', 'output'] }),
			...(priced && { costUsd: accCost }),
		};
		if (!priced && accCost !== undefined) {
			b.warn(
				'noRecordedCost',
				'metrics.accumulated_cost is 0 and metrics.costs is empty: OpenHands did not price these calls (its LLM proxy had no price for the model), so there is no recorded cost to compare',
			);
		}
	}
	const metadata = rec(doc.metadata);
	const agentClass = nonEmpty(metadata.agent_class);
	const instance = nonEmpty(doc.instance_id) ?? (typeof doc.instance_id === 'number' ? String(doc.instance_id) : undefined);
	return b.finish({
		agent: agentClass !== undefined ? `openhands ${agentClass}` : 'openhands',
		...(instance !== undefined && { runId: instance }),
		...(recordedTotals !== undefined && { recordedTotals }),
	});
}

export function importOpenHandsTrajectory(doc: unknown, options: ImportOptions): Transcript {
	if (!Array.isArray(doc)) throw new TranscriptImportError('badStructure', 'an OpenHands trajectory is a JSON array of events', { file: options.file, format: 'openhands-trajectory' });
	return build('openhands-trajectory', doc, {}, options);
}

export function importOpenHandsEval(doc: unknown, options: ImportOptions): Transcript {
	if (!isRecord(doc) || !Array.isArray(doc.history))
		throw new TranscriptImportError('badStructure', 'an OpenHands evaluation record needs a "history" array', { file: options.file, format: 'openhands-eval' });
	return build('openhands-eval', doc.history, doc, options);
}
