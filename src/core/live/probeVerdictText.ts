/**
 * How one probed step compares with the recording, in a few words — the CLI's probe text and the
 * replay panel's probe table say it the same way.
 */
import { agrees, textAgreementThreshold, type ProbeStepResult } from './shadowProbe';

export function probeVerdictText(s: ProbeStepResult): string {
	const v = s.verdict;
	if (!v) return s.reason ?? '';
	switch (v.kind) {
		case 'sameAction':
			return `same ${v.tool} call`;
		case 'otherArguments':
			return `same tool, other arguments: recorded ${v.recorded}, probed ${v.probed}`;
		case 'otherTool':
			return `recorded ${v.recorded}, probed ${v.probed}`;
		case 'text':
			return `text similarity ${v.similarity.toFixed(2)}${agrees(v) ? '' : ` (below ${textAgreementThreshold.toFixed(2)})`}`;
	}
}
