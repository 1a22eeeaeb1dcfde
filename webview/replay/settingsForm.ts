// Renders the settings form of one scenario from the field specs, with vscode-elements controls,
// a visible label on every control, and per-field validation messages.
import type { ReplayScenario } from '../../src/core/replay/scenario';
import { el } from './dom';
import type { FieldSpec } from './settingsFields';
import { fieldGroups, readField, visibleFields, writeField } from './settingsFields';

export interface SettingsFormEvents {
	/** A valid value was entered. `structural`: other fields may appear or disappear (re-render). */
	onChange(settings: ReplayScenario, structural: boolean): void;
	/** The field's input is not usable (or is again, with `error` undefined). */
	onError(fieldId: string, error: string | undefined): void;
}

function control(field: FieldSpec, value: string | boolean): HTMLElement {
	switch (field.kind) {
		case 'checkbox': {
			const box = el('vscode-checkbox', { id: field.id, label: field.label });
			box.checked = value === true;
			return box;
		}
		case 'select': {
			const select = el('vscode-single-select', { id: field.id });
			for (const o of field.options ?? []) select.append(el('vscode-option', { value: o.value, selected: o.value === value }, o.label));
			return select;
		}
		case 'text':
		case 'number': {
			const input = el('vscode-textfield', { id: field.id, ...(field.kind === 'number' && { inputmode: 'decimal' }) });
			input.value = String(value);
			return input;
		}
	}
}

function valueOf(node: Element, field: FieldSpec): string | boolean {
	if (field.kind === 'checkbox') return (node as HTMLElementTagNameMap['vscode-checkbox']).checked;
	return (node as HTMLElementTagNameMap['vscode-textfield'] | HTMLElementTagNameMap['vscode-single-select']).value;
}

/**
 * Builds the form for `settings` into `container`. Text fields commit on every keystroke without a
 * re-render (focus stays); selects and checkboxes commit and ask for a re-render because they
 * change which fields apply.
 */
export function renderSettingsForm(container: HTMLElement, settings: ReplayScenario, errors: ReadonlyMap<string, string>, events: SettingsFormEvents): void {
	const fields = visibleFields(settings);
	let current = settings;
	const groups: HTMLElement[] = [];
	for (const group of fieldGroups) {
		const inGroup = fields.filter(f => f.group === group);
		if (inGroup.length === 0) continue;
		const set = el('fieldset', { class: 'settings-group' });
		set.append(el('legend', {}, group));
		for (const field of inGroup) {
			const wrap = el('div', { class: `field field-${field.kind}` });
			const input = control(field, readField(settings, field));
			const error = el('div', { class: 'field-error', id: `${field.id}-error`, role: 'alert' }, errors.get(field.id) ?? '');
			if (errors.has(field.id)) input.setAttribute('invalid', '');
			if (field.kind !== 'checkbox') wrap.append(el('vscode-label', { for: field.id }, field.label));
			wrap.append(input);
			if (field.hint) wrap.append(el('div', { class: 'field-hint' }, field.hint));
			wrap.append(error);
			const commit = (structural: boolean) => {
				const r = writeField(current, field, valueOf(input, field));
				if (!r.ok) {
					error.textContent = r.error;
					input.setAttribute('invalid', '');
					events.onError(field.id, r.error);
					return;
				}
				error.textContent = '';
				input.removeAttribute('invalid');
				events.onError(field.id, undefined);
				current = r.settings;
				events.onChange(current, structural);
			};
			if (field.kind === 'text' || field.kind === 'number') input.addEventListener('input', () => commit(false));
			else input.addEventListener('change', () => commit(true));
			set.append(wrap);
		}
		groups.push(set);
	}
	container.replaceChildren(...groups);
}
