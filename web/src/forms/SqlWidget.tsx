import { ariaDescribedByIds, type WidgetProps } from '@rjsf/utils';

/** What a form passes its widgets (`formContext`). */
export interface ConfigFormContext {
  /** Asks the server to parse a field's text, as the user leaves it. */
  checkSyntax?(field: string, text: unknown): void;
}

/**
 * A SQL query: monospace, several lines and resizable, growing with the text up to a limit. Leaving it
 * asks the server to parse it (`formContext.checkSyntax`), so a syntax error shows before any run.
 */
export function SqlWidget(props: WidgetProps) {
  const { id, name, value, onChange, onBlur, onFocus, options, disabled, readonly, placeholder, registry } = props;
  const text = typeof value === 'string' ? value : '';
  const context = registry.formContext as ConfigFormContext | undefined;
  return (
    <textarea
      id={id}
      name={id}
      className="form-control sql-text"
      spellCheck={false}
      autoCapitalize="off"
      autoCorrect="off"
      rows={Math.min(16, Math.max(5, text.split('\n').length + 1))}
      value={text}
      placeholder={placeholder}
      disabled={disabled}
      readOnly={readonly}
      aria-describedby={ariaDescribedByIds(id)}
      onChange={(event) => onChange(event.target.value === '' ? options.emptyValue : event.target.value)}
      onFocus={(event) => onFocus(id, event.target.value)}
      onBlur={(event) => {
        onBlur(id, event.target.value);
        context?.checkSyntax?.(name, event.target.value === '' ? undefined : event.target.value);
      }}
    />
  );
}
