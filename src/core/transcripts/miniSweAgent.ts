/**
 * mini-SWE-agent `.traj.json` (`trajectory_format: "mini-swe-agent-1"`): one OpenAI-shaped message
 * list; every assistant message keeps the raw provider response in `extra.response`, with per-call
 * usage (OpenAI convention) and, through OpenRouter/LiteLLM, the billed `usage.cost`.
 */
import { fromOpenAIChatUsage } from '../pricing/usage';
import { TranscriptImportError } from './importErrors';
import { type ImportOptions, modelForCounting, plainUsage, PromptCounter, recordedUsage, RunningPromptCounter, TranscriptBuilder, throwIfAborted } from './importSupport';
import { isoTime, isRecord, nonEmpty, rec, str } from './jsonAccess';
import { fromOpenAIChatMessage, openAIChatOutput } from './messageShapes';
import type { CallOutput, RecordedTotals, Transcript, TranscriptMessage } from './model';

export function isMiniSweAgentTrajectory(doc: unknown): boolean {
	if (!isRecord(doc) || !Array.isArray(doc.messages)) return false;
	if (typeof doc.trajectory_format === 'string') return doc.trajectory_format.startsWith('mini-swe-agent');
	const info = rec(doc.info);
	return info.mini_version !== undefined || doc.messages.some(m => isRecord(m) && isRecord(rec(m.extra).response));
}

/** Provider id for pricing from mini-SWE-agent's model class (`…openrouter_model.OpenRouterModel`). */
function providerOf(modelType: string | undefined, response: Record<string, unknown>): string | undefined {
	if (modelType && /openrouter/i.test(modelType)) return 'openrouter';
	if (typeof response.id === 'string' && response.id.startsWith('gen-') && isRecord(response.usage) && 'cost' in response.usage) return 'openrouter';
	if (modelType && /anthropic/i.test(modelType)) return 'anthropic';
	return undefined;
}

export function importMiniSweAgent(doc: unknown, options: ImportOptions): Transcript {
	if (!isRecord(doc) || !Array.isArray(doc.messages)) {
		throw new TranscriptImportError('badStructure', 'a mini-SWE-agent trajectory needs a "messages" array', { file: options.file, format: 'mini-swe-agent' });
	}
	const b = new TranscriptBuilder('mini-swe-agent', options);
	const info = rec(doc.info);
	const config = rec(info.config);
	const configModel = nonEmpty(rec(config.model).model_name) ?? options.model ?? '';
	const modelType = str(config.model_type);
	const pc = new PromptCounter(options.counter);
	const running = new RunningPromptCounter(pc);
	let pending: TranscriptMessage[] = [];
	let counted = 0;
	// Counting is only needed when some call lacks recorded usage (then its prompt needs the history's tokens).
	const needsCounting = doc.messages.some(m => isRecord(m) && m.role === 'assistant' && !isRecord(rec(rec(m.extra).response).usage));
	let acted = false;
	doc.messages.forEach((raw, n) => {
		if (n % 512 === 0) throwIfAborted(options.signal);
		const m = fromOpenAIChatMessage(raw);
		if (m.role !== 'assistant') {
			// After the first action, every user message is the environment's answer (command output,
			// format errors): mini-SWE-agent sends observations in the user role.
			pending.push(acted && m.role === 'user' ? { ...m, observation: true } : m);
			return;
		}
		acted = true;
		const input = { kind: 'delta' as const, messages: pending };
		pending = [];
		const response = rec(rec(rec(raw).extra).response);
		const fromResponse = Array.isArray(response.choices) ? openAIChatOutput(response.choices) : undefined;
		const output: CallOutput = fromResponse && (fromResponse.text !== '' || fromResponse.toolCalls.length > 0) ? fromResponse : { text: m.content, toolCalls: m.toolCalls ?? [] };
		const model = nonEmpty(response.model) ?? configModel;
		const provider = providerOf(modelType, response);
		const at = isoTime(response.created);
		const id = nonEmpty(response.id);
		const common = {
			...(id !== undefined && { id }),
			model,
			modelSource: nonEmpty(response.model) !== undefined ? ('recorded' as const) : model !== '' ? ('config' as const) : ('unknown' as const),
			...(provider !== undefined && { provider }),
			thread: 'main',
			input,
			output,
			...(at !== undefined && { startedAt: at }),
		};
		if (isRecord(response.usage)) {
			const cost = b.recordedNumber(response.usage.cost, `message ${n + 1}: extra.response.usage.cost`, 'cost');
			b.addCall({
				...common,
				...recordedUsage((u, problems) => fromOpenAIChatUsage(u, { problems }), response.usage),
				usageSource: 'recorded',
				usageExact: true,
				...(cost !== undefined && { recordedCostUsd: cost }),
			});
			if (needsCounting) running.prompt('main', modelForCounting(model), input);
		} else {
			// An assistant message without a recorded response (older files): count it.
			counted++;
			const p = running.prompt('main', modelForCounting(model), input);
			const o = pc.output(modelForCounting(model), output);
			b.addCall({ ...common, usage: plainUsage(p.tokens, o.tokens, o.reasoning), usageSource: 'counted', usageExact: false, usageNotes: ['no extra.response.usage: counted with the engine'] });
		}
		if (needsCounting) running.addOutput('main', modelForCounting(model), m);
	});
	if (counted > 0) b.warn('countedUsage', `${counted} assistant message(s) carry no extra.response.usage: their tokens are counted with the engine`);
	const stats = rec(info.model_stats);
	const cost = b.recordedNumber(stats.instance_cost, 'info.model_stats.instance_cost', 'cost');
	const apiCalls = b.recordedNumber(stats.api_calls, 'info.model_stats.api_calls', 'tokens');
	const recordedTotals: RecordedTotals | undefined =
		cost !== undefined || apiCalls !== undefined ? { source: 'info.model_stats', ...(apiCalls !== undefined && { calls: apiCalls }), ...(cost !== undefined && { costUsd: cost }) } : undefined;
	if (apiCalls !== undefined && apiCalls !== b.calls.length) {
		b.warn('totalsMismatch', `info.model_stats.api_calls is ${apiCalls} but the file has ${b.calls.length} assistant messages`);
	}
	const version = nonEmpty(info.mini_version);
	const instance = nonEmpty(doc.instance_id);
	return b.finish({
		...(typeof doc.trajectory_format === 'string' && { formatVersion: doc.trajectory_format }),
		...(instance !== undefined && { runId: instance }),
		agent: version !== undefined ? `mini-swe-agent ${version}` : 'mini-swe-agent',
		...(recordedTotals !== undefined && { recordedTotals }),
	});
}
