import * as assert from 'node:assert/strict';
import { emptyReplayTitle, replayPanelTitle } from '../../../src/extension/webviews/replayTitle';

describe('replay panel tab title', () => {
	it('names the transcript once one is opening, open or failed; the plain title before', () => {
		assert.equal(replayPanelTitle({ status: 'none' }), emptyReplayTitle);
		assert.equal(replayPanelTitle({ status: 'opening', file: 'transcripts/run.traj.json', uri: 'file:///w/transcripts/run.traj.json' }), 'Replay: run.traj.json');
		assert.equal(
			replayPanelTitle({ status: 'failed', file: 'C:\\runs\\session.jsonl', uri: 'file:///c%3A/runs/session.jsonl', error: { reason: 'badStructure', message: 'x' } }),
			'Replay: session.jsonl',
		);
	});
});
