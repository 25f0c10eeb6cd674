import { useEffect, useMemo, useRef, useState } from 'react';
import { api, describeError } from '../api/client.ts';
import type { Flow, FlowNode, NodeTypeInfo, StreamInfo } from '../api/types.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import {
  feedingNode,
  fieldTargets,
  mapField,
  mapPart,
  mappingNode,
  pickedTwice,
  requiredUnmapped,
  type SourceField,
  sampledFields,
  writesOneStream,
} from './field-mapping.ts';
import { chosenStream, keyColumns, pickerFields, toggleKey } from './stream-picker.ts';
import { connectorModeWords, modeHint, recordsWord } from './write-modes.ts';

interface Loaded {
  /** The fields arriving at the mapping, and where they were read. */
  source?: { fields: SourceField[]; from: string; how: 'schema' | 'sample' };
  /** The destination's streams as it discovers them (undefined: it cannot list them). */
  streams?: StreamInfo[];
  error?: { message: string; details: string[] };
  loading: boolean;
}

const notSent = '';
/** Modes that match the rows they write to existing ones by key. */
const keyedModes = new Set(['update', 'upsert', 'mirror']);

async function discoverNode(node: FlowNode): Promise<StreamInfo[]> {
  return api.discover({
    type: node.type,
    config: node.config ?? {},
    nodeId: node.id,
    ...(node.connection ? { connection: node.connection } : {}),
  });
}

/**
 * The fields reaching the mapping: the upstream source's columns when it can discover the stream
 * it reads, else the fields of a sample of what the upstream node emits (nothing is written).
 */
async function loadSourceFields(flow: Flow, destinationId: string, stream: string | undefined) {
  const feeding = feedingNode(flow, destinationId);
  if (!feeding) return undefined;
  const type = editorStore.getState().catalog[feeding.node.type];
  if (type?.discover && type.role === 'source') {
    const streams = await discoverNode(feeding.node).catch(() => []);
    const { noun } = pickerFields(type.config);
    const read =
      stream !== undefined
        ? streams.find((candidate) => candidate.name === stream)
        : chosenStream(feeding.node.config ?? {}, streams, noun);
    if (read) {
      const fields = read.columns.map((column) => ({ name: column.name, type: column.type }));
      return { fields, from: feeding.node.id, how: 'schema' as const };
    }
  }
  const sample = await api.previewUnsaved({
    nodeId: feeding.node.id,
    limit: 50,
    flow,
    ...(feeding.port ? { port: feeding.port } : {}),
  });
  const records = (sample.records ?? []) as Record<string, unknown>[];
  return { fields: sampledFields(records), from: feeding.node.id, how: 'sample' as const };
}

/**
 * "Field mapping" of a record destination: each field arriving (left) picks the destination field
 * it is sent as (right), with both types side by side, the key among them and the write mode above.
 * Every pick edits the `map` node directly upstream (made on the first pick), so the flow JSON stays
 * the one model; a destination with several streams maps each under `streams.<stream>`.
 */
export function FieldMapping({ node, nodeType }: { node: FlowNode; nodeType: NodeTypeInfo }) {
  const flow = useEditor((state) => state.flow);
  const catalog = useEditor((state) => state.catalog);
  const config = node.config ?? {};
  const written = writesOneStream(config, catalog, node.type);
  const oneStream = written?.name;
  const map = mappingNode(flow, node.id);
  const feedingId = feedingNode(flow, node.id)?.node.id;
  const [loaded, setLoaded] = useState<Loaded>({ loading: false });
  const [pickedStream, setPickedStream] = useState<string>();

  const perStream = oneStream === undefined;
  const streamNames = useMemo(() => {
    const names = new Set([
      ...(loaded.streams ?? []).map((stream) => stream.name),
      ...Object.keys((map?.config?.streams as Record<string, unknown> | undefined) ?? {}),
    ]);
    return [...names];
  }, [loaded.streams, map]);
  const stream = perStream ? (pickedStream ?? streamNames[0]) : undefined;
  const target = oneStream ?? stream;
  const destination = loaded.streams?.find((candidate) => candidate.name.toLowerCase() === target?.toLowerCase());

  // What the listing depends on: the config less the mode and key the panel itself edits.
  const readFrom = JSON.stringify({ ...config, mode: undefined, key: undefined, connection: node.connection });
  const loads = useRef(0);
  const load = async () => {
    const attempt = ++loads.current;
    setLoaded((current) => ({ ...current, loading: true, error: undefined }));
    const current = editorStore.getState().flow;
    const destinationNode = current.nodes.find((candidate) => candidate.id === node.id) ?? node;
    try {
      const streams = nodeType.discover ? await discoverNode(destinationNode) : undefined;
      const named = oneStream ?? (perStream ? (pickedStream ?? streams?.[0]?.name) : undefined);
      const source = await loadSourceFields(current, node.id, perStream ? named : undefined);
      if (attempt !== loads.current) return;
      setLoaded({ loading: false, ...(streams ? { streams } : {}), ...(source ? { source } : {}) });
    } catch (error) {
      if (attempt === loads.current) setLoaded({ loading: false, error: describeError(error) });
    }
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: listed again when what is read changes (the destination's config, the upstream node, the stream), not on every edit
  useEffect(() => {
    void load();
  }, [readFrom, feedingId, pickedStream]);

  const part = mapPart(map?.config ?? {}, stream);
  // Fields the map names that the upstream does not show (yet) are listed too: nothing is hidden.
  const fields = useMemo(() => {
    const known = loaded.source?.fields ?? [];
    const names = new Set(known.map((field) => field.name));
    const named = [...(part.select ?? []), ...Object.keys(part.rename ?? {})].filter((name) => !names.has(name));
    return [...known, ...[...new Set(named)].map((name): SourceField => ({ name }))];
  }, [loaded.source, part.select, part.rename]);
  const targets = fieldTargets(part, fields);
  const columns = destination?.columns ?? [];
  const missing = requiredUnmapped(targets, columns, part);
  const twice = pickedTwice(targets);
  const key = keyColumns(config);
  const sentNames = new Set(Object.values(targets).filter((name): name is string => name !== undefined));
  const keyNotSent = key.filter((column) => !sentNames.has(column));
  const modes = nodeType.config.properties?.mode as
    | { enum?: string[]; default?: string; description?: string }
    | undefined;
  const mode = (config.mode as string | undefined) ?? modes?.default;
  const hint = modeHint(
    mode,
    config.mirrorScope,
    recordsWord((nodeType.config.properties?.mirrorScope as { description?: string } | undefined)?.description),
  );
  // The key column shows where the mode matches rows by key (or a key is set): insert does not need one.
  const hasKey = nodeType.config.properties?.key !== undefined && (key.length > 0 || keyedModes.has(mode ?? ''));

  const pick = (source: string, to: string | undefined) => {
    const state = editorStore.getState();
    state.commit(mapField(state.flow, node.id, { fields, source, target: to, ...(stream ? { stream } : {}) }));
  };
  const editConfig = (next: Record<string, unknown>) =>
    editorStore.getState().updateNode(node.id, { config: next }, `${node.id}.config`);

  return (
    <section className="panel-section field-mapping" data-testid="field-mapping">
      <div className="stream-picker-head">
        <h3>Field mapping</h3>
        <button type="button" className="button small" onClick={() => void load()} disabled={loaded.loading}>
          {loaded.loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>
      <p className="field-hint">
        {loaded.source
          ? `Fields of “${loaded.source.from}” (${loaded.source.how === 'schema' ? 'its schema' : 'a sample, nothing written'})`
          : feedingId
            ? 'Fields of the upstream node'
            : 'Connect a node to this destination to map its fields'}
        {target ? ` → ${written?.field ?? 'stream'} “${target}”` : ''}
        {map ? (
          <>
            , written in map node{' '}
            <button type="button" className="link" onClick={() => editorStore.getState().select([map.id])}>
              {map.id}
            </button>
          </>
        ) : (
          '; the first pick adds a map node before this destination'
        )}
        .
      </p>
      {modes?.enum && (
        <div className="mapping-mode">
          <label className="field">
            <span className="field-label">Mode</span>
            <select
              value={mode ?? ''}
              data-testid="mapping-mode"
              onChange={(event) => editConfig({ ...config, mode: event.target.value })}
            >
              {mode === undefined && <option value="">— pick a mode —</option>}
              {modes.enum.map((mode) => (
                <option key={mode} value={mode}>
                  {mode}
                </option>
              ))}
            </select>
          </label>
          {hint && (
            <p
              className="field-hint mapping-mode-hint"
              data-testid="mapping-mode-hint"
              title={connectorModeWords(mode, modes.description)}
            >
              {hint}
            </p>
          )}
        </div>
      )}
      {perStream && streamNames.length > 0 && (
        <label className="field">
          <span className="field-label">Stream</span>
          <select value={stream} onChange={(event) => setPickedStream(event.target.value)}>
            {streamNames.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      {loaded.error && (
        <div className="error-box" role="alert" data-testid="field-mapping-error">
          <strong>Cannot read the fields</strong>: {loaded.error.message}
        </div>
      )}
      {missing.length > 0 && (
        <div className="mapping-warning" role="alert" data-testid="required-unmapped">
          <strong>Required but not mapped:</strong>{' '}
          {missing.map((name) => `${name} (${columns.find((c) => c.name === name)?.type})`).join(', ')}. “
          {destination?.name}” needs a value for each.
        </div>
      )}
      {twice.length > 0 && (
        <div className="mapping-warning" role="alert" data-testid="picked-twice">
          Picked for more than one source field: {twice.join(', ')}.
        </div>
      )}
      {keyNotSent.length > 0 && (
        <div className="mapping-warning" role="alert">
          The key {keyNotSent.join(', ')} is not sent.
        </div>
      )}
      {loaded.streams && target && !destination && (
        <p className="field-hint">
          “{target}” is not there yet: it is made from the fields sent, under the names on the right.
        </p>
      )}
      {fields.length > 0 && (
        <table className="table compact mapping-table" data-testid="mapping-table">
          <thead>
            <tr>
              <th scope="col" className="source-col">
                Source field
              </th>
              <th scope="col">Destination</th>
              {hasKey && (
                <th scope="col" className="key-col">
                  Key
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {fields.map((field) => {
              const to = targets[field.name];
              const column = columns.find((candidate) => candidate.name === to);
              return (
                <tr key={field.name} data-field={field.name} className={to === undefined ? 'not-sent' : undefined}>
                  <td>
                    <code>{field.name}</code>
                    {field.type && <span className="mapping-type">{field.type}</span>}
                  </td>
                  <td>
                    {destination ? (
                      <select
                        aria-label={`Destination field for ${field.name}`}
                        value={to ?? notSent}
                        onChange={(event) => pick(field.name, event.target.value || undefined)}
                      >
                        <option value={notSent}>— not sent —</option>
                        {columns.map((candidate) => (
                          <option key={candidate.name} value={candidate.name}>
                            {candidate.name}
                            {candidate.notNull && !candidate.autoIncrement ? ' *' : ''}
                          </option>
                        ))}
                        {to !== undefined && !column && (
                          <option value={to}>
                            {to} (not in {destination.name})
                          </option>
                        )}
                      </select>
                    ) : (
                      <input
                        key={`${field.name}:${to ?? ''}`}
                        aria-label={`Destination field for ${field.name}`}
                        defaultValue={to ?? ''}
                        placeholder="not sent"
                        onBlur={(event) => {
                          const next = event.target.value.trim() || undefined;
                          if (next !== to) pick(field.name, next);
                        }}
                      />
                    )}
                    {to !== undefined && <span className="mapping-type">{column ? column.type : 'new field'}</span>}
                  </td>
                  {hasKey && (
                    <td className="mapping-key">
                      <input
                        type="checkbox"
                        aria-label={`${to ?? field.name} in the key`}
                        disabled={to === undefined}
                        checked={to !== undefined && key.includes(to)}
                        onChange={() => to !== undefined && editConfig(toggleKey(config, to))}
                      />
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {destination && columns.some((column) => column.notNull && !column.autoIncrement) && (
        <p className="field-hint">* required: NOT NULL in “{destination.name}”.</p>
      )}
    </section>
  );
}
