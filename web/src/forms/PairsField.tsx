import type { FieldProps } from '@rjsf/utils';
import { type KeyboardEvent, useRef, useState } from 'react';
import type { JsonSchema } from '../api/types.ts';

type Pairs = Record<string, string>;

/** A value cell: a select when the schema lists the choices, else a text input. */
function ValueInput(props: {
  schema: JsonSchema;
  value: string;
  onChange(value: string): void;
  onKeyDown?(event: KeyboardEvent): void;
  id: string;
  label: string;
  placeholder: string;
  disabled: boolean;
}) {
  const { schema, value, onChange, onKeyDown, id, label, placeholder, disabled } = props;
  if (Array.isArray(schema.enum)) {
    return (
      <select
        id={id}
        className="form-control"
        aria-label={label}
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        onKeyDown={onKeyDown}
      >
        {value === '' && <option value="">Choose…</option>}
        {(schema.enum as string[]).map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    );
  }
  return (
    <input
      id={id}
      className="form-control"
      aria-label={label}
      placeholder={placeholder}
      value={value}
      disabled={disabled}
      onChange={(event) => onChange(event.target.value)}
      onKeyDown={onKeyDown}
    />
  );
}

/**
 * An object of field → text or choice (Map's `rename` and `cast`) as a table of pairs, with a last
 * row to add one: the user types the field and picks or types its value, and only then does the pair
 * land in the config (rjsf's own "Add" would put `newKey: "New Value"` there). Column headings come
 * from the schema: `propertyNames.title` and `additionalProperties.title`.
 */
export function PairsField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, name, errorSchema, rawErrors, disabled, readonly } = props;
  const pairs = (formData ?? {}) as Pairs;
  const valueSchema = schema.additionalProperties as JsonSchema;
  const keyTitle = String((schema.propertyNames as JsonSchema | undefined)?.title ?? 'Field');
  const valueTitle = String(valueSchema.title ?? 'Value');
  const [newKey, setNewKey] = useState('');
  const [newValue, setNewValue] = useState('');
  const newKeyInput = useRef<HTMLInputElement>(null);
  const id = fieldPathId.$id;
  const locked = Boolean(disabled || readonly);
  const key = newKey.trim();
  const taken = Object.hasOwn(pairs, key);
  const canAdd = !locked && key !== '' && !taken && newValue !== '';

  // The last pair removed leaves no empty object behind in the config.
  const change = (next: Pairs) => onChange(Object.keys(next).length > 0 ? next : undefined, fieldPathId.path);
  const add = () => {
    if (!canAdd) return;
    change({ ...pairs, [key]: newValue });
    setNewKey('');
    setNewValue('');
    newKeyInput.current?.focus();
  };
  const addOnEnter = (event: KeyboardEvent) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    add();
  };

  return (
    <fieldset className="form-group pairs-field" id={id}>
      <legend id={`${id}__title`}>{schema.title ?? name}</legend>
      {schema.description && <p className="field-description">{schema.description}</p>}
      <table className="pairs">
        <thead>
          <tr>
            <th scope="col" className="pair-heading">
              {keyTitle}
            </th>
            <th scope="col" className="pair-heading">
              {valueTitle}
            </th>
            <td className="pair-actions" />
          </tr>
        </thead>
        <tbody>
          {Object.entries(pairs).map(([field, value]) => {
            const problems = (errorSchema?.[field] as { __errors?: string[] } | undefined)?.__errors ?? [];
            return (
              <tr key={field} data-pair={field}>
                <td className="pair-key-cell">
                  <code className="pair-key">{field}</code>
                </td>
                <td className="pair-value-cell">
                  <ValueInput
                    schema={valueSchema}
                    value={value}
                    onChange={(next) => change({ ...pairs, [field]: next })}
                    id={`${id}_${field}`}
                    label={`${valueTitle} of ${field}`}
                    placeholder=""
                    disabled={locked}
                  />
                  {problems.map((message) => (
                    <p key={message} className="field-error">
                      {message}
                    </p>
                  ))}
                </td>
                <td className="pair-actions">
                  <button
                    type="button"
                    className="btn"
                    title={`Remove ${field}`}
                    aria-label={`Remove ${field}`}
                    disabled={locked}
                    onClick={() =>
                      change(Object.fromEntries(Object.entries(pairs).filter(([other]) => other !== field)))
                    }
                  >
                    ×
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr className="pair-new">
            <td className="pair-key-cell">
              <input
                ref={newKeyInput}
                id={`${id}__new-key`}
                className="form-control"
                aria-label={`${keyTitle} to add`}
                placeholder={`${keyTitle.toLowerCase()} name`}
                value={newKey}
                disabled={locked}
                onChange={(event) => setNewKey(event.target.value)}
                onKeyDown={addOnEnter}
              />
            </td>
            <td className="pair-value-cell">
              <ValueInput
                schema={valueSchema}
                value={newValue}
                onChange={setNewValue}
                onKeyDown={addOnEnter}
                id={`${id}__new-value`}
                label={`${valueTitle} to add`}
                placeholder={valueTitle.toLowerCase()}
                disabled={locked}
              />
            </td>
            <td className="pair-actions">
              <button type="button" className="btn btn-add-pair" disabled={!canAdd} onClick={add}>
                Add
              </button>
            </td>
          </tr>
        </tfoot>
      </table>
      {taken && <p className="field-error">“{key}” has a row already: change its value there.</p>}
      {rawErrors?.map((message) => (
        <p key={message} className="field-error">
          {message}
        </p>
      ))}
    </fieldset>
  );
}
