import { type FieldProps, getDefaultFormState } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo } from 'react';
import type { JsonSchema } from '../api/types.ts';
import { generateForm } from './form-schema.ts';
import { FieldErrors, NestedForm } from './NestedForm.tsx';

/**
 * An optional group of settings whose presence switches a behaviour on (a source's `incremental`, a
 * CRM destination's `idMap` or `owners`): a checkbox, and the group's own form once it is on. A form
 * that filled such a group in by itself (its defaults, an empty object) would switch the behaviour
 * on, or leave a required field empty, without the user asking.
 */
export function OptionalObjectField(props: FieldProps) {
  const { formData, onChange, fieldPathId, uiSchema, name, errorSchema, rawErrors, disabled, readonly, registry } =
    props;
  const groupSchema = uiSchema?.['ui:options']?.group as JsonSchema;
  const inner = useMemo(() => generateForm(groupSchema), [groupSchema]);
  const id = fieldPathId.$id;
  const on = formData !== undefined && formData !== null;
  const locked = Boolean(disabled || readonly);
  const title = String(groupSchema.title ?? name);

  return (
    <fieldset className="form-group optional-object" id={id}>
      <label className="optional-object-toggle">
        <input
          type="checkbox"
          checked={on}
          disabled={locked}
          onChange={(event) =>
            onChange(
              event.target.checked ? getDefaultFormState(validator, inner.schema, {}, inner.schema) : undefined,
              fieldPathId.path,
            )
          }
        />{' '}
        <span className="control-label">{title}</span>
      </label>
      {groupSchema.description && <p className="field-description">{groupSchema.description}</p>}
      {on && (
        <div className="keyed-panel">
          <NestedForm
            schema={groupSchema}
            value={formData}
            onChange={(next) => onChange(next, fieldPathId.path)}
            registry={registry}
            errors={errorSchema}
            disabled={locked}
            idPrefix={id}
          />
        </div>
      )}
      <FieldErrors messages={rawErrors} />
    </fieldset>
  );
}
