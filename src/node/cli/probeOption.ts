/**
 * `agent-cost replay … --probe N --probe-max-usd X`: the shadow probe from the command line
 * (`core/live/shadowProbe.ts`). Keys and endpoints come from the environment the official SDKs
 * read (OPENAI_API_KEY, ANTHROPIC_API_KEY, OPENAI_BASE_URL, ANTHROPIC_BASE_URL); every probe call is
 * recorded to a `.agent-cost.jsonl` file (by default under `.agent-cost/recordings/`, which gets a
 * `.gitignore`: recordings hold prompts and answers).
 */
import { dirname, join, resolve } from 'node:path';
import type { EngineConfig } from '../../core/config/defaults';
import { probeVerdictText } from '../../core/live/probeVerdictText';
import { runShadowProbe, type ProbeResult } from '../../core/live/shadowProbe';
import { systemClock, systemRandom } from '../../core/ports/clock';
import type { ProviderId, SecretSource } from '../../core/ports/llmTransport';
import type { TokenCounter } from '../../core/ports/tokenCounter';
import { formatUsd } from '../../core/pricing/format';
import type { PriceCatalog } from '../../core/pricing/types';
import type { PreparedRun } from '../../core/replay/preparedRun';
import type { ReplayScenario } from '../../core/replay/scenario';
import { JsonlCallRecorder } from '../jsonlCallRecorder';
import { AnthropicTransport } from '../providers/anthropicTransport';
import { OpenAITransport } from '../providers/openaiTransport';
import { ensureRecordingsDir } from '../recordingsDir';
import { type CliIo, optionalCount, optionalNumber, type ParsedCliArgs, UsageError } from './cliCommand';

export const probeUsage = `Shadow probe (opt-in, paid):
  --probe N            send N sampled steps of the FIRST scenario — each prompt exactly as the scenario
                       builds it, to the model it picks — and compare every answer with what the run
                       recorded there (same tool and key arguments, or similar text). A proxy, not a
                       guarantee: it shows whether the scenario's model goes the same way at those steps.
  --probe-max-usd X    required with --probe: the most the probe may spend; every call's worst case
                       is reserved against it before it is sent, so the probe never spends more
  --probe-record FILE  where the probe's calls are recorded (default .agent-cost/recordings/probe-<time>.agent-cost.jsonl)
  Keys: OPENAI_API_KEY / ANTHROPIC_API_KEY; endpoints: OPENAI_BASE_URL / ANTHROPIC_BASE_URL (Claude models
  go to Anthropic, every other model to the OpenAI(-compatible) endpoint).`;

export const probeOptions = {
	probe: { type: 'string' },
	'probe-max-usd': { type: 'string' },
	'probe-record': { type: 'string' },
} as const;

export interface ProbeRequest {
	readonly sample: number;
	readonly maxUsd: number;
	readonly recordPath: string;
}

/** The probe the arguments ask for (undefined: none), or a usage error naming what is wrong. */
export function probeRequest(args: ParsedCliArgs, io: CliIo, now: Date): ProbeRequest | undefined {
	const sample = optionalCount(args, 'probe');
	const maxUsd = optionalNumber(args, 'probe-max-usd');
	if (sample === undefined) {
		if (maxUsd !== undefined || args.values['probe-record'] !== undefined) throw new UsageError('replay: --probe-max-usd and --probe-record need --probe N');
		return undefined;
	}
	if (sample < 1 || sample > 1000) throw new UsageError(`replay: --probe takes a whole number of steps from 1 to 1000, got ${sample}`);
	if (maxUsd === undefined) throw new UsageError('replay: --probe sends real, paid calls: set the most it may spend with --probe-max-usd USD');
	if (!(maxUsd > 0)) throw new UsageError(`replay: --probe-max-usd must be above 0, got ${maxUsd}`);
	const record = typeof args.values['probe-record'] === 'string' ? args.values['probe-record'] : join('.agent-cost', 'recordings', `probe-${now.toISOString().replace(/[:.]/g, '-')}.agent-cost.jsonl`);
	return { sample, maxUsd, recordPath: resolve(io.cwd, record) };
}

/** Runs the probe with keys and endpoints from the environment. */
export async function runCliProbe(
	req: ProbeRequest,
	run: PreparedRun,
	scenario: ReplayScenario,
	deps: { readonly io: CliIo; readonly counter: TokenCounter; readonly catalog: PriceCatalog; readonly config: EngineConfig },
): Promise<ProbeResult & { readonly recording: string }> {
	const env = deps.io.env;
	const secrets: SecretSource = {
		get: async (provider: ProviderId) => (provider === 'openai' ? env.OPENAI_API_KEY : env.ANTHROPIC_API_KEY) || undefined,
	};
	const timeoutMs = deps.config.defaults.toolCallTimeoutSeconds * 1000;
	const transports = {
		openai: new OpenAITransport({ secrets, baseUrl: env.OPENAI_BASE_URL || deps.config.providers.openai.baseUrl, timeoutMs }),
		anthropic: new AnthropicTransport({ secrets, baseUrl: env.ANTHROPIC_BASE_URL || deps.config.providers.anthropic.baseUrl, timeoutMs }),
	};
	await ensureRecordingsDir(dirname(req.recordPath));
	const result = await runShadowProbe(
		run,
		scenario,
		{ sample: req.sample, maxUsd: req.maxUsd, runId: `probe-${Date.now().toString(36)}` },
		{
			transports,
			counter: deps.counter,
			pricing: deps.catalog,
			clock: systemClock,
			random: systemRandom,
			config: deps.config,
			recorder: new JsonlCallRecorder(req.recordPath, { agent: 'agent-cost probe' }),
		},
	);
	return { ...result, recording: req.recordPath };
}

/** The probe's result for a terminal. */
export function probeText(p: ProbeResult & { readonly recording: string }): string {
	const lines = [
		`Shadow probe of "${p.scenario}": ${p.sent} of ${p.sampled} sampled steps sent, ${formatUsd(p.costUsd)} spent (cap ${formatUsd(p.maxUsd)}).`,
		...Object.entries(p.byTier).map(([tier, t]) => `  ${tier || 'model'}: ${t.agreed} of ${t.sent} answers agree with the recording`),
	];
	for (const s of p.steps) {
		const how = probeVerdictText(s);
		lines.push(`  step ${s.step} · ${s.model}: ${s.status}${how ? ` — ${how}` : ''}`);
	}
	if (p.cappedAt !== undefined) lines.push(`  the cap stopped the probe at step ${p.cappedAt}`);
	lines.push(`  recorded in ${p.recording}`, '  A proxy, not a guarantee: one answer per step, compared with the one the run recorded.');
	return lines.join('\n');
}
