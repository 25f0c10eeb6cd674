import Form from '@rjsf/core';
import type { FieldProps, RegistryFieldsType, RegistryWidgetsType } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useEffect, useMemo, useState } from 'react';
import type { JsonSchema } from '../api/types.ts';
import { envSyntax, generateForm, rulesFor, secretProblems } from './form-schema.ts';
import { KeyedFormsField } from './KeyedFormsField.tsx';
import { MirrorScopeWidget } from './MirrorScopeWidget.tsx';
import { OptionalObjectField } from './OptionalObjectField.tsx';
import { PairsField } from './PairsField.tsx';
import { type ConfigFormContext, SqlWidget } from './SqlWidget.tsx';

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

const fields: RegistryFieldsType = {
  json: JsonField,
  pairs: PairsField,
  keyed: KeyedFormsField,
  optionalObject: OptionalObjectField,
};
const widgets: RegistryWidgetsType = { sql: SqlWidget, mirrorScope: MirrorScopeWidget };

/** What the server's parser said of a field's text; it stands while the field holds that text. */
interface SyntaxVerdict {
  text: unknown;
  messages: string[];
}

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
  /** Parses the config's SQL fields on the server (never runs them); issue paths are config fields. */
  checkSyntax?(config: Record<string, unknown>): Promise<{ path: string; message: string }[]>;
}

/** A node's config as a form generated from its JSON Schema (`@rjsf`). */
export function ConfigForm(props: ConfigFormProps) {
  const { schema, config, onChange, errors, connection, connectionFields, idPrefix, checkSyntax } = props;
  const form = useMemo(
    () =>
      generateForm(schema, {
        ...(connection ? { connection } : {}),
        ...(connectionFields ? { connectionFields } : {}),
      }),
    [schema, connection, connectionFields],
  );
  const rules = useMemo(() => rulesFor(form.rules, config), [form.rules, config]);
  const [verdicts, setVerdicts] = useState<Record<string, SyntaxVerdict>>({});
  const formContext = useMemo<ConfigFormContext>(
    () => ({
      checkSyntax(field, text) {
        if (!checkSyntax) return;
        checkSyntax({ ...config, [field]: text }).then(
          (issues) => {
            const messages = issues.filter((issue) => issue.path === field).map((issue) => issue.message);
            setVerdicts((current) => ({ ...current, [field]: { text, messages } }));
          },
          // A check that could not run says nothing about the query; the run will.
          () => undefined,
        );
      },
    }),
    [checkSyntax, config],
  );
  const { extraErrors, rulesUnmet } = useMemo(() => {
    const merged: Record<string, any> = structuredClone(errors);
    // Said at once as the secret is typed; the server's own word replaces it once validation answers.
    for (const [name, message] of Object.entries(secretProblems(config, form.secrets))) {
      const field = merged[name] ?? {};
      if (field.__errors?.length) continue;
      field.__errors = [...(field.__errors ?? []), message];
      merged[name] = field;
    }
    for (const [name, verdict] of Object.entries(verdicts)) {
      if (verdict.messages.length === 0 || !same(verdict.text, config[name])) continue;
      merged[name] = { ...merged[name], __errors: [...(merged[name]?.__errors ?? []), ...verdict.messages] };
    }
    // The server says an unmet rule of the whole config (give either query or table) at its root: with
    // the rules stated above the fields, they say it once, instead of a second time below the form.
    const unmet = rules.length > 0 && (merged.__errors?.length ?? 0) > 0;
    if (unmet) delete merged.__errors;
    return { extraErrors: merged, rulesUnmet: unmet };
  }, [errors, config, form.secrets, verdicts, rules]);

  return (
    <div className="config-form">
      {rules.length > 0 && (
        <div className={rulesUnmet ? 'form-rule unmet' : 'form-rule'} role={rulesUnmet ? 'alert' : undefined}>
          {rules.map((rule) => (
            <p key={rule.text}>{rule.text}</p>
          ))}
        </div>
      )}
      <Form
        schema={form.schema}
        uiSchema={form.uiSchema}
        formData={config}
        validator={validator}
        fields={fields}
        widgets={widgets}
        formContext={formContext}
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
