import { defaultBatchSize, diffedBatchSize } from '@backflow/flow-model';
import { useMemo, useState } from 'react';
import type { Flow, FlowSchedule, FlowSettings as Settings } from '../api/types.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import { cronExamples, formatInZone, readSchedule, timeZones } from './describe.ts';

const flowNamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function commit(next: Flow, key?: string) {
  editorStore.getState().commit(next, key);
}

/** A text input that edits the document when it loses focus or on Enter (for names that must stay valid). */
export function CommittedInput(props: {
  value: string;
  onCommit(value: string): string | undefined;
  label: string;
  testId?: string;
}) {
  const [text, setText] = useState<string>();
  const [error, setError] = useState<string>();
  const shown = text ?? props.value;
  const apply = () => {
    if (text === undefined || text === props.value) {
      setText(undefined);
      return;
    }
    const problem = props.onCommit(text);
    setError(problem);
    if (!problem) setText(undefined);
  };
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <input
        value={shown}
        data-testid={props.testId}
        aria-invalid={Boolean(error)}
        onChange={(event) => setText(event.target.value)}
        onBlur={apply}
        onKeyDown={(event) => {
          if (event.key === 'Enter') apply();
          if (event.key === 'Escape') {
            setText(undefined);
            setError(undefined);
          }
        }}
      />
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

export function renameFlowProblem(name: string): string | undefined {
  if (!name) return 'A flow needs a name';
  if (!flowNamePattern.test(name)) return 'Letters, digits and _ . - only (no spaces), starting with a letter or digit';
  if (name.length > 200) return 'At most 200 characters';
  return undefined;
}

function ScheduleEditor({ flow }: { flow: Flow }) {
  const schedule = flow.schedule;
  const saved = useEditor((state) => state.saved);
  const zones = useMemo(() => timeZones(), []);
  const timezone = schedule?.timezone ?? 'UTC';
  const reading = useMemo(() => (schedule ? readSchedule(schedule.cron, timezone) : undefined), [schedule, timezone]);
  // A saved flow's next runs come from the server's scheduler; unsaved edits are read here.
  const fromServer = Boolean(saved && saved.flow.schedule === schedule && saved.nextRuns.length > 0);
  const nextRuns = fromServer ? saved!.nextRuns : (reading?.nextRuns ?? []);
  const setSchedule = (next: FlowSchedule | undefined, key?: string) => {
    const { schedule: _old, ...rest } = flow;
    commit(next ? { ...rest, schedule: next } : rest, key);
  };

  return (
    <section className="panel-section" data-testid="schedule-editor">
      <h3>Schedule</h3>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={Boolean(schedule)}
          onChange={(event) => setSchedule(event.target.checked ? { cron: '0 2 * * *', timezone: 'UTC' } : undefined)}
        />
        Run on a schedule while the server is up
      </label>
      {schedule && (
        <>
          <label className="field">
            <span className="field-label">Cron pattern</span>
            <input
              className="mono"
              value={schedule.cron}
              data-testid="cron-input"
              onChange={(event) => setSchedule({ ...schedule, cron: event.target.value }, 'schedule.cron')}
              placeholder="0 2 * * *"
            />
            <span className="field-hint">
              minute hour day-of-month month day-of-week (a 6th field in front for seconds)
            </span>
          </label>
          <div className="chips">
            {cronExamples.map((example) => (
              <button
                type="button"
                key={example.cron}
                className={`chip${example.cron === schedule.cron ? ' is-active' : ''}`}
                onClick={() => setSchedule({ ...schedule, cron: example.cron })}
              >
                {example.label}
              </button>
            ))}
          </div>
          {reading?.error ? (
            <p className="field-error" data-testid="cron-reading">
              {reading.error}
            </p>
          ) : (
            <p className="cron-reading" data-testid="cron-reading">
              {reading?.text}
              {timezone !== 'UTC' ? ` (${timezone} time)` : ' (UTC)'}
            </p>
          )}
          <label className="field">
            <span className="field-label">Time zone</span>
            <select value={timezone} onChange={(event) => setSchedule({ ...schedule, timezone: event.target.value })}>
              {!zones.includes(timezone) && <option value={timezone}>{timezone} (unknown)</option>}
              {zones.map((zone) => (
                <option key={zone} value={zone}>
                  {zone}
                </option>
              ))}
            </select>
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              checked={schedule.catchUp ?? false}
              onChange={(event) => setSchedule({ ...schedule, catchUp: event.target.checked })}
            />
            Catch up: after downtime, run once for the most recent missed time
          </label>
          {nextRuns.length > 0 && (
            <div className="next-runs">
              <div className="field-label">
                Next runs{' '}
                {fromServer ? (
                  <span className="muted">(from the server)</span>
                ) : (
                  <span className="muted">(not saved yet)</span>
                )}
              </div>
              <ol data-testid="next-runs">
                {nextRuns.map((at) => (
                  <li key={at}>{formatInZone(at, timezone)}</li>
                ))}
              </ol>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** Writes `settings` back, dropping the object when it is empty, as one undoable edit of `field`. */
function commitSettings(flow: Flow, settings: Settings, field: string): void {
  const { settings: _old, ...rest } = flow;
  commit(Object.keys(settings).length > 0 ? { ...rest, settings } : rest, `settings.${field}`);
}

type NumberSettingName = 'batchSize' | 'maxRejected' | 'checkpointIntervalMs';

function NumberSetting(props: { flow: Flow; name: NumberSettingName; label: string; hint: string; min: number }) {
  const value = props.flow.settings?.[props.name];
  return (
    <label className="field">
      <span className="field-label">{props.label}</span>
      <input
        type="number"
        min={props.min}
        value={value ?? ''}
        placeholder="default"
        onChange={(event) => {
          const raw = event.target.value;
          const settings: Settings = { ...props.flow.settings };
          if (raw === '') delete settings[props.name];
          else settings[props.name] = Number(raw);
          commitSettings(props.flow, settings, props.name);
        }}
      />
      <span className="field-hint">{props.hint}</span>
    </label>
  );
}

/** `settings.pushdown`: on unless the flow turns it off, so only `false` is written. */
function PushdownSetting(props: { flow: Flow }) {
  return (
    <div className="field">
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="setting-pushdown"
          checked={props.flow.settings?.pushdown !== false}
          onChange={(event) => {
            const settings: Settings = { ...props.flow.settings };
            if (event.target.checked) delete settings.pushdown;
            else settings.pushdown = false;
            commitSettings(props.flow, settings, 'pushdown');
          }}
        />
        Push work down to the database
      </label>
      <span className="field-hint">
        A DuckDB source (into CSV or Parquet) or PostgreSQL source (into CSV) feeding that format alone writes the parts
        itself with COPY (much faster). Off: every record passes through the engine.
      </span>
    </div>
  );
}

/** The flow as a whole: name, description, schedule and run settings (shown when no node is selected). */
export function FlowSettings() {
  const flow = useEditor((state) => state.flow);
  const flowIssues = useEditor((state) => state.issues.flow);
  return (
    <div className="inspector-body" data-testid="flow-settings">
      <header className="inspector-header">
        <div>
          <div className="eyebrow">Flow</div>
          <h2>{flow.name}</h2>
        </div>
      </header>
      {flowIssues.length > 0 && (
        <ul className="issue-list">
          {flowIssues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.path || 'flow'}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
      <section className="panel-section">
        <CommittedInput
          label="Name"
          value={flow.name}
          testId="flow-name-input"
          onCommit={(name) => renameFlowProblem(name) ?? void commit({ ...flow, name })}
        />
        <label className="field">
          <span className="field-label">Description</span>
          <textarea
            rows={2}
            value={flow.description ?? ''}
            placeholder="What this flow is for"
            onChange={(event) => {
              const { description: _old, ...rest } = flow;
              commit(event.target.value ? { ...rest, description: event.target.value } : rest, 'description');
            }}
          />
        </label>
      </section>
      <ScheduleEditor flow={flow} />
      <section className="panel-section">
        <h3>Run settings</h3>
        <NumberSetting
          flow={flow}
          name="batchSize"
          label="Batch size"
          hint={`Records per batch (default ${defaultBatchSize.toLocaleString('en-US')}; ${diffedBatchSize.toLocaleString('en-US')} when a destination writes by key)`}
          min={1}
        />
        <NumberSetting
          flow={flow}
          name="maxRejected"
          label="Max rejected"
          hint="Fail the run past this many rejected records (default: no limit)"
          min={0}
        />
        <NumberSetting
          flow={flow}
          name="checkpointIntervalMs"
          label="Checkpoint interval (ms)"
          hint="How often a checkpoint may be saved (default 1000)"
          min={0}
        />
        <PushdownSetting flow={flow} />
      </section>
      <p className="muted small">Select a node to edit its settings. Press ? for keyboard shortcuts.</p>
    </div>
  );
}
