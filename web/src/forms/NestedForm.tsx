import Form from '@rjsf/core';
import type { ErrorSchema, Registry } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import { useMemo } from 'react';
import type { JsonSchema } from '../api/types.ts';
import { generateForm } from './form-schema.ts';

/**
 * A settings object's own form inside a field (a tab of KeyedFormsField, a group switched on in
 * OptionalObjectField): generated like a node's form, with the same custom fields, its errors, and
 * a change passed up only when the value really changed.
 */
export function NestedForm(props: {
  schema: JsonSchema;
  value: Record<string, unknown> | undefined;
  onChange(value: Record<string, unknown>): void;
  registry: Registry;
  errors: ErrorSchema | undefined;
  disabled: boolean;
  idPrefix: string;
}) {
  const { schema, value, onChange, registry, errors, disabled, idPrefix } = props;
  const form = useMemo(() => generateForm(schema), [schema]);
  return (
    <Form
      tagName="div"
      schema={form.schema}
      uiSchema={form.uiSchema}
      formData={value}
      validator={validator}
      fields={registry.fields}
      widgets={registry.widgets}
      extraErrors={errors ?? {}}
      showErrorList={false}
      noHtml5Validate
      // The server applies a setting's defaults: filled in here, merely opening a node would change the flow.
      experimental_defaultFormStateBehavior={{ emptyObjectFields: 'skipDefaults' }}
      disabled={disabled}
      idPrefix={idPrefix}
      onChange={(event) => {
        const next = (event.formData ?? {}) as Record<string, unknown>;
        if (JSON.stringify(next) !== JSON.stringify(value)) onChange(next);
      }}
    />
  );
}

/** A field's own errors, under the field. */
export function FieldErrors({ messages }: { messages: readonly string[] | undefined }) {
  return (
    <>
      {messages?.map((message) => (
        <p key={message} className="field-error">
          {message}
        </p>
      ))}
    </>
  );
}
