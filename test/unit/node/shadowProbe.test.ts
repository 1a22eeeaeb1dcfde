// The shadow probe end to end: real agent transcripts replayed under a scenario, sampled steps sent
// through the live path (LiveCalls + PolicyEngine + the official SDKs) to the local fake provider,
// which is told to answer as the run did (agree) or otherwise (disagree); the cap holds before
// anything is sent; every call is recorded and the recording reads back as a run.
import * as assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEngineConfig } from '../../../src/core/config/parseEngineConfig';
import { compareAnswers, runShadowProbe, type ProbeDeps } from '../../../src/core/live/shadowProbe';
import { seededRandom, systemClock } from '../../../src/core/ports/clock';
import { defaultPriceCatalog } from '../../../src/core/pricing/catalog';
import { PreparedRun } from '../../../src/core/replay/preparedRun';
import { asRecordedScenario, parseScenario, type ReplayScenario } from '../../../src/core/replay/scenario';
import { tokenCounter } from '../../../src/core/tokens/count';
import type { Transcript } from '../../../src/core/transcripts/model';
import { parseRecording } from '../../../src/core/transcripts/recording';
import { replayCommand } from '../../../src/node/cli/replayCommand';
import { JsonlCallRecorder } from '../../../src/node/jsonlCallRecorder';
import { AnthropicTransport } from '../../../src/node/providers/anthropicTransport';
import { OpenAITransport } from '../../../src/node/providers/openaiTransport';
import { readTranscriptFile } from '../../../src/node/transcriptFiles';
import { runCliCaptured } from '../../support/cliRun';
import { startFakeProviderServer, type FakeProviderServer, type FakeReply } from '../../support/fakeProviderServer';
import { transcriptsDir } from '../../support/paths';
import { canary, secretsOf } from './providers/providerTestKit';

const catalog = defaultPriceCatalog();
const config = parseEngineConfig({}).config;
const flask = join(transcriptsDir(), 'mini_swe_agent', 'mswea_gemini3pro_pallets__flask-5014.traj.json');
const tau = join(transcriptsDir(), 'openai_chat', 'taubench_gpt-4o_airline_idx000_task0_trial0.json');

type Mode = 'agree' | 'disagree';

/** The step a chat request is at: one more than the assistant turns it carries (every recorded step answered once). */
function stepOf(body: unknown): number {
	const messages = (body as { messages?: { role: string }[] }).messages ?? [];
	return messages.filter(m => m.role === 'assistant').length + 1;
}

/** Answers each request as the transcript's run did at that step (agree), or with another action (disagree). */
function responder(transcript: Transcript, mode: () => Mode): (r: { body: unknown }) => FakeReply {
	return ({ body }) => {
		const out = transcript.calls[stepOf(body) - 1]?.output ?? { text: 'nothing recorded', toolCalls: [] };
		const usage = { output: 40 };
		if (mode() === 'agree') return { text: out.text, toolCalls: out.toolCalls.map(c => ({ id: c.id, name: c.name, arguments: c.arguments })), usage };
		if (out.toolCalls.length > 0) return { text: '', toolCalls: [{ name: out.toolCalls[0]!.name, arguments: { other: 'arguments', user_id: 'someone_else' } }], usage };
		return { text: 'THOUGHT: let me look somewhere else.\n\n```bash\nls -la /tmp\n```', usage };
	};
}

function scenario(raw: unknown): ReplayScenario {
	const { scenario, problems } = parseScenario(raw, asRecordedScenario(config));
	assert.deepEqual(problems, []);
	return scenario;
}

describe('the shadow probe, end to end against the fake provider', function () {
	this.timeout(60_000);
	let server: FakeProviderServer;
	let mode: Mode = 'agree';
	let dir: string;
	const transcripts = new Map<string, Transcript>();
	const load = async (file: string, model?: string) => {
		let t = transcripts.get(file);
		if (!t) transcripts.set(file, (t = await readTranscriptFile(file, { counter: tokenCounter, displayName: file, ...(model && { model }) })));
		return t;
	};
	let active: Transcript;

	before(async () => {
		server = await startFakeProviderServer({ keys: { openai: canary.openai, anthropic: canary.anthropic }, respond: r => responder(active, () => mode)(r) });
	});
	after(() => server.close());
	beforeEach(() => {
		server.reset();
		dir = mkdtempSync(join(tmpdir(), 'agent-cost-probe-'));
	});
	afterEach(() => rmSync(dir, { recursive: true, force: true }));

	const deps = (recording: string): ProbeDeps => {
		const secrets = secretsOf({ openai: canary.openai, anthropic: canary.anthropic });
		return {
			transports: { openai: new OpenAITransport({ secrets, baseUrl: server.openaiBaseUrl }), anthropic: new AnthropicTransport({ secrets, baseUrl: server.anthropicBaseUrl }) },
			counter: tokenCounter,
			pricing: catalog,
			clock: systemClock,
			random: seededRandom(5),
			config,
			recorder: new JsonlCallRecorder(recording, { fsync: false }),
			sleep: async () => {},
		};
	};

	const masked = () => scenario({ name: 'mini + masking', routing: { mode: 'fixed', model: 'gpt-4o-mini' }, compression: { strategy: 'observationMask', keepObservations: 2, maskEverySteps: 1 } });

	it('a model that answers as the run did agrees at every sampled step; the prompts are the scenario’s, to the scenario’s model; the probe is recorded', async () => {
		active = await load(flask);
		mode = 'agree';
		const run = new PreparedRun(active, { counter: tokenCounter, catalog });
		const recording = join(dir, 'probe.agent-cost.jsonl');
		const r = await runShadowProbe(run, masked(), { sample: 4, maxUsd: 0.5, runId: 'probe-agree' }, deps(recording));
		assert.equal(r.sampled, 4);
		assert.equal(r.sent, 4);
		assert.deepEqual(
			r.steps.map(s => s.status),
			['agreed', 'agreed', 'agreed', 'agreed'],
		);
		assert.ok(r.steps.every(s => s.verdict?.kind === 'sameAction' && s.verdict.tool === 'bash'));
		assert.deepEqual(r.byTier, { cheap: { sent: 4, agreed: 4 } });
		assert.ok(r.costUsd > 0 && r.costUsd <= 0.5, String(r.costUsd));
		const chats = server.requests.filter(q => q.endpoint === 'chat');
		assert.equal(chats.length, 4);
		assert.ok(
			chats.every(q => (q.body as { model: string }).model === 'gpt-4o-mini'),
			'sent to the scenario’s model',
		);
		// Steps past the third observation carry the scenario's placeholders, not the recorded outputs.
		const late = chats.filter(q => stepOf(q.body) > 4);
		assert.ok(late.length > 0 && late.every(q => q.rawBody.includes('[observation elided to save context')), 'the masked prompt was sent');
		// The probe's calls read back as a recorded run, one call per step sent.
		const recorded = parseRecording(readFileSync(recording, 'utf8'), { file: recording, counter: tokenCounter });
		assert.equal(recorded.calls.length, 4);
		assert.ok(recorded.calls.every(c => c.model === 'gpt-4o-mini' && c.usageSource === 'recorded'));
	});

	it('a model that acts otherwise disagrees, and says how (other command; same tool with other arguments)', async () => {
		active = await load(flask);
		mode = 'disagree';
		const r = await runShadowProbe(new PreparedRun(active, { counter: tokenCounter, catalog }), masked(), { sample: 3, maxUsd: 0.5, runId: 'probe-disagree' }, deps(join(dir, 'p.jsonl')));
		assert.deepEqual(
			r.steps.map(s => s.status),
			['disagreed', 'disagreed', 'disagreed'],
		);
		assert.ok(r.steps.every(s => s.verdict?.kind === 'otherArguments' && s.verdict.probed.includes('ls -la /tmp')));
		assert.deepEqual(r.byTier, { cheap: { sent: 3, agreed: 0 } });

		// Tool calls (tau-bench): the same tool with other arguments is not the same action.
		active = await load(tau, 'gpt-4o');
		const tauRun = new PreparedRun(active, { counter: tokenCounter, catalog });
		const onMini = scenario({ name: 'mini', routing: { mode: 'fixed', model: 'gpt-4o-mini' } });
		const d = await runShadowProbe(tauRun, onMini, { sample: 16, maxUsd: 1, runId: 'probe-tau' }, deps(join(dir, 't.jsonl')));
		const toolSteps = d.steps.filter(s => s.verdict?.kind === 'otherArguments');
		assert.ok(toolSteps.length >= 3, JSON.stringify(d.steps));
		mode = 'agree';
		const a = await runShadowProbe(tauRun, onMini, { sample: 16, maxUsd: 1, runId: 'probe-tau-2' }, deps(join(dir, 't2.jsonl')));
		assert.ok(
			a.steps.every(s => s.status === 'agreed'),
			JSON.stringify(a.steps),
		);
		assert.ok(a.steps.some(s => s.verdict?.kind === 'sameAction') && a.steps.some(s => s.verdict?.kind === 'text' && s.verdict.similarity === 1));
	});

	it('never spends more than its cap: a step the cap cannot cover is not sent, nor any after it', async () => {
		active = await load(flask);
		mode = 'agree';
		const run = new PreparedRun(active, { counter: tokenCounter, catalog });
		const onPro = scenario({ name: 'as recorded' });
		// Each call reserves its worst case (the prompt + 2,048 output tokens of gemini-3-pro): about two fit.
		const cap = 0.09;
		const r = await runShadowProbe(run, onPro, { sample: 6, maxUsd: cap, runId: 'probe-cap' }, deps(join(dir, 'cap.jsonl')));
		const sent = r.steps.filter(s => s.status === 'agreed').length;
		assert.ok(sent >= 1 && sent < 6, JSON.stringify(r.steps));
		assert.ok(r.cappedAt !== undefined);
		assert.ok(
			r.steps.slice(sent).every(s => s.status === 'notSent' && /run budget|cap/.test(s.reason ?? '')),
			JSON.stringify(r.steps),
		);
		assert.ok(r.costUsd <= cap, `${r.costUsd} ≤ ${cap}`);
		assert.equal(server.requests.filter(q => q.endpoint === 'chat').length, sent, 'nothing past the cap reached the provider');

		// A cap below the first step's worst case sends nothing at all.
		server.reset();
		const none = await runShadowProbe(run, onPro, { sample: 3, maxUsd: 0.001, runId: 'probe-none' }, deps(join(dir, 'none.jsonl')));
		assert.equal(none.sent, 0);
		assert.equal(none.costUsd, 0);
		assert.equal(server.requests.length, 0);
	});

	it('compares answers by tool, key arguments or text similarity', () => {
		const bash = (cmd: string) => ({ text: `THOUGHT: x\n\n\`\`\`bash\n${cmd}\n\`\`\``, toolCalls: [] });
		assert.equal(compareAnswers(bash('cat  src/a.py'), bash('cat src/a.py')).kind, 'sameAction');
		assert.equal(compareAnswers(bash('cat src/a.py'), bash('cat src/b.py')).kind, 'otherArguments');
		const call = (name: string, args: object) => ({ text: '', toolCalls: [{ id: 'c1', name, arguments: JSON.stringify(args) }] });
		assert.equal(compareAnswers(call('read_file', { path: 'a.py', limit: 10 }), call('read_file', { limit: 99, path: 'a.py' })).kind, 'sameAction', 'only the key argument decides');
		assert.equal(compareAnswers(call('read_file', { path: 'a.py' }), call('write_file', { path: 'a.py' })).kind, 'otherTool');
		const t = compareAnswers({ text: 'The total is $305, paid by certificate and card.', toolCalls: [] }, { text: 'Weather in Paris is sunny.', toolCalls: [] });
		assert.ok(t.kind === 'text' && t.similarity < 0.5);
	});

	it('agent-cost replay --probe runs it from the command line (keys and endpoint from the environment) and needs a cap', async () => {
		active = await load(flask);
		mode = 'agree';
		copyFileSync(flask, join(dir, 'run.traj.json'));
		writeFileSync(
			join(dir, 'mask.json'),
			JSON.stringify({ name: 'mask', routing: { mode: 'fixed', model: 'gpt-4o-mini' }, compression: { strategy: 'observationMask', keepObservations: 3, maskEverySteps: 2 } }),
		);
		const env = { OPENAI_API_KEY: canary.openai, OPENAI_BASE_URL: server.openaiBaseUrl };
		const cli = (argv: string[]) => runCliCaptured(['replay', 'run.traj.json', ...argv], dir, [replayCommand], '', env);

		const noCap = await cli(['--settings', 'mask.json', '--probe', '2']);
		assert.equal(noCap.code, 2);
		assert.match(noCap.stderr, /--probe-max-usd/);
		assert.equal(server.requests.length, 0, 'nothing is sent without a cap');

		const r = await cli(['--settings', 'mask.json', '--probe', '2', '--probe-max-usd', '0.2', '--probe-record', 'probe.jsonl', '--json']);
		assert.equal(r.code, 0, r.stderr);
		const out = JSON.parse(r.stdout) as {
			scenarios: { risk: { observationsElided: number } }[];
			probe: { sent: number; byTier: Record<string, { agreed: number }>; costUsd: number; recording: string };
		};
		assert.equal(out.probe.sent, 2);
		assert.equal(out.probe.byTier.cheap?.agreed, 2);
		assert.ok(out.probe.costUsd > 0 && out.probe.costUsd <= 0.2);
		assert.ok(out.scenarios[0]!.risk.observationsElided > 0);
		assert.ok(existsSync(join(dir, 'probe.jsonl')));

		const text = await cli(['--settings', 'mask.json', '--probe', '1', '--probe-max-usd', '0.2']);
		assert.equal(text.code, 0, text.stderr);
		assert.match(text.stdout, /Shadow probe of "mask": 1 of 1 sampled steps sent/);
		assert.match(text.stdout, /recorded in .*\.agent-cost[\\/]recordings[\\/]probe-.*\.agent-cost\.jsonl/);
		assert.ok(existsSync(join(dir, '.agent-cost', 'recordings', '.gitignore')), 'the default recordings folder is git-ignored');
	});
});
