/** The subset of JSON Schema (draft 2020-12) our configs use; kept loose on purpose so schemas stay plain data. */
export type JSONSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JSONSchema>;
  required?: string[];
  additionalProperties?: boolean | JSONSchema;
  items?: JSONSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  writeOnly?: boolean;
  oneOf?: JSONSchema[];
  anyOf?: JSONSchema[];
  [keyword: string]: unknown;
};
