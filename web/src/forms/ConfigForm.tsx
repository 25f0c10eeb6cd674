import Form from '@rjsf/core';
import type { FieldProps, RegistryFieldsType } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useEffect, useMemo, useState } from 'react';
import type { JsonSchema } from '../api/types.ts';
import { envSyntax, generateForm, secretProblems } from './form-schema.ts';

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A free-form object (a JSON Schema, defaults, constants) edited as JSON text. */
function JsonField(props: FieldProps) {
  const { formData, onChange, fieldPathId, schema, name, rawErrors } = props;
  const [text, setText] = useState(() => JSON.stringify(formData ?? {}, null, 2));
  const [error, setError] = useState<string>();
  // Undo or another view changed the value: show it, unless the text already means it.
  useEffect(() => {
    setText((current) => {
      try {
        if (same(JSON.parse(current), formData ?? {})) return current;
      } catch {
        // the text is mid-edit and not JSON: the new value replaces it
      }
      setError(undefined);
      return JSON.stringify(formData ?? {}, null, 2);
    });
  }, [formData]);
  const id = fieldPathId.$id;
  return (
    <div className="form-group json-field">
      <label htmlFor={id} className="control-label">
        {schema.title ?? name}
      </label>
      {schema.description && <p className="field-description">{schema.description}</p>}
      <textarea
        id={id}
        className="form-control json-text"
        spellCheck={false}
        rows={Math.min(14, Math.max(3, text.split('\n').length))}
        value={text}
        onChange={(event) => {
          const next = event.target.value;
          setText(next);
          try {
            const parsed = next.trim() === '' ? undefined : JSON.parse(next);
            if (parsed !== undefined && (typeof parsed !== 'object' || Array.isArray(parsed)))
              throw new Error('it must be an object: { … }');
            setError(undefined);
            onChange(parsed, fieldPathId.path);
          } catch (parseError) {
            setError(`Not valid JSON yet: ${(parseError as Error).message}`);
          }
        }}
      />
      {error && <p className="field-error">{error}</p>}
      {rawErrors?.map((message) => (
        <p key={message} className="field-error">
          {message}
        </p>
      ))}
    </div>
  );
}

const fields: RegistryFieldsType = { json: JsonField };

export interface ConfigFormProps {
  /** The node type's config JSON Schema, as the server validates it. */
  schema: JsonSchema;
  config: Record<string, unknown>;
  onChange(config: Record<string, unknown>): void;
  /** Errors from the server's validation, by field (`@rjsf` ErrorSchema). */
  errors: Record<string, any>;
  connection?: string | undefined;
  connectionFields?: string[] | undefined;
  idPrefix: string;
}

/** A node's config as a form generated from its JSON Schema (`@rjsf`). */
export function ConfigForm(props: ConfigFormProps) {
  const { schema, config, onChange, errors, connection, connectionFields, idPrefix } = props;
  const form = useMemo(
    () =>
      generateForm(schema, {
        ...(connection ? { connection } : {}),
        ...(connectionFields ? { connectionFields } : {}),
      }),
    [schema, connection, connectionFields],
  );
  const extraErrors = useMemo(() => {
    const merged: Record<string, any> = structuredClone(errors);
    // Said at once as the secret is typed; the server's own word replaces it once validation answers.
    for (const [name, message] of Object.entries(secretProblems(config, form.secrets))) {
      const field = merged[name] ?? {};
      if (field.__errors?.length) continue;
      field.__errors = [...(field.__errors ?? []), message];
      merged[name] = field;
    }
    return merged;
  }, [errors, config, form.secrets]);

  return (
    <div className="config-form">
      {form.rule && <p className="form-rule">{form.rule}</p>}
      <Form
        schema={form.schema}
        uiSchema={form.uiSchema}
        formData={config}
        validator={validator}
        fields={fields}
        extraErrors={extraErrors}
        showErrorList={false}
        noHtml5Validate
        idPrefix={idPrefix}
        onChange={(event) => {
          const next = (event.formData ?? {}) as Record<string, unknown>;
          if (!same(next, config)) onChange(next);
        }}
      />
      <p className="form-footnote">
        Any text field may use <code>{envSyntax}</code> to take its value from the server’s environment.
      </p>
    </div>
  );
}
