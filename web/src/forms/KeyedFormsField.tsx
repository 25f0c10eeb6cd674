import type { ErrorSchema, FieldProps } from '@rjsf/utils';
import { useState } from 'react';
import type { JsonSchema } from '../api/types.ts';
import { FieldErrors, NestedForm } from './NestedForm.tsx';

type Keyed = Record<string, Record<string, unknown>>;

/**
 * An object of name → a settings object (a map's per-stream mappings, a CRM destination's lookups
 * or associations) as one tab per name and the chosen one's own form below, so a mapping nested in a
 * mapping stays readable instead of indenting off the inspector. A name is added from the last tab;
 * its form starts empty. Errors the server gives at `<name>.<field>` show on that tab's form.
 */
export function KeyedFormsField(props: FieldProps) {
  const { formData, onChange, fieldPathId, uiSchema, name, errorSchema, rawErrors, disabled, readonly, registry } =
    props;
  // The whole schema of the field (the form was given a bare object, see form-schema.ts).
  const schema = uiSchema?.['ui:options']?.keyed as JsonSchema;
  const entries = (formData ?? {}) as Keyed;
  const names = Object.keys(entries);
  const valueSchema = schema.additionalProperties as JsonSchema;
  const keyTitle = String((schema.propertyNames as JsonSchema | undefined)?.title ?? 'Name');
  const [chosen, setChosen] = useState<string>();
  const [newName, setNewName] = useState('');
  const id = fieldPathId.$id;
  const locked = Boolean(disabled || readonly);
  const current = chosen !== undefined && Object.hasOwn(entries, chosen) ? chosen : names[0];
  const trimmed = newName.trim();
  const canAdd = !locked && trimmed !== '' && !Object.hasOwn(entries, trimmed);

  // The last entry removed leaves no empty object behind in the config.
  const change = (next: Keyed) => onChange(Object.keys(next).length > 0 ? next : undefined, fieldPathId.path);
  const add = () => {
    if (!canAdd) return;
    change({ ...entries, [trimmed]: {} });
    setChosen(trimmed);
    setNewName('');
  };
  const hasErrors = (entry: string) => JSON.stringify(errorSchema?.[entry] ?? {}).includes('__errors":["');

  return (
    <fieldset className="form-group keyed-forms" id={id}>
      <legend id={`${id}__title`}>{schema.title ?? name}</legend>
      {schema.description && <p className="field-description">{schema.description}</p>}
      <div className="keyed-tabs" role="tablist" aria-label={String(schema.title ?? name)}>
        {names.map((entry) => (
          <button
            key={entry}
            type="button"
            role="tab"
            aria-selected={entry === current}
            className={`keyed-tab${entry === current ? ' active' : ''}${hasErrors(entry) ? ' has-errors' : ''}`}
            onClick={() => setChosen(entry)}
          >
            {entry}
          </button>
        ))}
        <span className="keyed-new">
          <input
            className="form-control keyed-new-name"
            aria-label={`${keyTitle} to add`}
            placeholder={`add ${keyTitle.toLowerCase()}`}
            value={newName}
            disabled={locked}
            onChange={(event) => setNewName(event.target.value)}
            onKeyDown={(event) => {
              if (event.key !== 'Enter') return;
              event.preventDefault();
              add();
            }}
          />
          <button type="button" className="btn" disabled={!canAdd} onClick={add}>
            Add
          </button>
        </span>
      </div>
      {current !== undefined && (
        <div className="keyed-panel" role="tabpanel" aria-label={`${keyTitle} ${current}`}>
          <div className="keyed-panel-head">
            <code>{current}</code>
            <button
              type="button"
              className="btn"
              disabled={locked}
              onClick={() => change(Object.fromEntries(Object.entries(entries).filter(([other]) => other !== current)))}
            >
              Remove {current}
            </button>
          </div>
          <NestedForm
            schema={valueSchema}
            value={entries[current]}
            onChange={(next) => change({ ...entries, [current]: next })}
            registry={registry}
            errors={errorSchema?.[current] as ErrorSchema | undefined}
            disabled={locked}
            idPrefix={`${id}_${current}`}
          />
        </div>
      )}
      <FieldErrors messages={rawErrors} />
    </fieldset>
  );
}
