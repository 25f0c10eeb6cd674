import { Suspense, useEffect, useMemo, useState } from 'react';
import { api } from '../api/client.ts';
import type { FlowNode, NodeTypeInfo } from '../api/types.ts';
import { connectorOf, refreshConnections, useConnections } from '../connections/connection-store.ts';
import { stripDefaults } from '../flow/edit.ts';
import { configErrorSchema, type NodeIssue } from '../flow/issues.ts';
import { ConfigForm } from '../forms/lazy.tsx';
import { diffCountNames, diffCounts } from '../runs/run-totals.ts';
import { CommittedInput, FlowSettings } from '../schedule/FlowSettings.tsx';
import { editorStore, useEditor } from '../store/editor.ts';
import { formatCount } from '../ui/format.ts';
import { RoleIcon } from '../ui/icons.tsx';
import { toast, toastError } from '../ui/toasts.tsx';
import { useEditorUi } from './editor-ui.ts';
import { FieldMapping } from './FieldMapping.tsx';
import { isRecordDestination } from './field-mapping.ts';
import { StreamPicker } from './StreamPicker.tsx';

const emptyIssues: NodeIssue[] = [];
const nodeIdPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

function ConnectionPicker({ node, nodeType }: { node: FlowNode; nodeType: NodeTypeInfo }) {
  const connector = connectorOf(nodeType.type);
  const all = useConnections((state) => state.list);
  const loaded = useConnections((state) => state.loaded);
  const matching = useMemo(() => all.filter((connection) => connection.type === connector), [all, connector]);
  const [testing, setTesting] = useState(false);
  useEffect(() => {
    if (!loaded) void refreshConnections();
  }, [loaded]);
  const chosen = matching.find((connection) => connection.name === node.connection);
  const test = async () => {
    if (!chosen) return;
    setTesting(true);
    try {
      const result = await api.testConnection(chosen.id);
      toast(`Connection “${chosen.name}” works (${result.durationMs} ms)`, { tone: 'success' });
    } catch (error) {
      toastError(`Connection “${chosen.name}” failed`, error);
    } finally {
      setTesting(false);
    }
  };
  return (
    <section className="panel-section">
      <label className="field">
        <span className="field-label">Stored connection</span>
        <div className="input-with-button">
          <select
            value={node.connection ?? ''}
            data-testid="connection-picker"
            onChange={(event) =>
              editorStore.getState().updateNode(node.id, { connection: event.target.value || undefined })
            }
          >
            <option value="">None (fill in {nodeType.connectionFields!.join(', ')} below)</option>
            {matching.map((connection) => (
              <option key={connection.id} value={connection.name}>
                {connection.name}
              </option>
            ))}
            {node.connection && !chosen && (
              <option value={node.connection}>{node.connection} (not on this server)</option>
            )}
          </select>
          <button type="button" className="button small" disabled={!chosen || testing} onClick={test}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
        </div>
        <span className="field-hint">
          {matching.length === 0 ? `No stored ${connector} connection yet. ` : ''}
          <button type="button" className="link" onClick={() => useEditorUi.setState({ connections: connector })}>
            Manage connections
          </button>
        </span>
      </label>
    </section>
  );
}

function NodeInspector({ node, nodeType }: { node: FlowNode; nodeType: NodeTypeInfo | undefined }) {
  const issues = useEditor((state) => state.issues.byNode[node.id] ?? emptyIssues);
  const counts = useEditor((state) => state.run?.nodes[node.id]);
  const diff = diffCounts(counts);
  const flow = useEditor((state) => state.flow);
  const errors = useMemo(() => configErrorSchema(issues), [issues]);
  const config = node.config ?? {};
  const renameProblem = (id: string) => {
    if (!nodeIdPattern.test(id)) return 'Letters, digits and _ . - only, starting with a letter or digit';
    if (flow.nodes.some((other) => other.id === id)) return `A node “${id}” exists already`;
    editorStore.getState().renameNode(node.id, id);
    return undefined;
  };

  return (
    <div className="inspector-body" data-testid="node-inspector" data-node-id={node.id}>
      <header className="inspector-header">
        <RoleIcon role={nodeType?.role ?? 'unknown'} />
        <div>
          <div className="eyebrow">
            {nodeType?.role ?? 'unknown'} · <code>{node.type}</code>
          </div>
          <h2>{node.title ?? nodeType?.title ?? node.type}</h2>
        </div>
      </header>
      {nodeType?.description && <p className="muted">{nodeType.description}</p>}
      {!nodeType && <p className="field-error">This server has no node type “{node.type}”.</p>}
      {issues.length > 0 && (
        <ul className="issue-list" data-testid="node-issues">
          {issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.field || issue.path}</code> {issue.message}
            </li>
          ))}
        </ul>
      )}
      {counts && (
        <div className="node-counts">
          <span>
            <strong>{formatCount(counts.read)}</strong> read
          </span>
          <span>
            <strong>{formatCount(counts.written)}</strong> written
          </span>
          <span>
            <strong>{formatCount(counts.rejected)}</strong> rejected
          </span>
          <span>
            <strong>{formatCount(counts.filtered)}</strong> filtered
          </span>
          {counts.files !== undefined && (
            <span>
              <strong>{formatCount(counts.files)}</strong> files
            </span>
          )}
          {diff &&
            diffCountNames.map((name) => (
              <span key={name}>
                <strong>{formatCount(diff[name])}</strong> {name}
              </span>
            ))}
        </div>
      )}
      <div className="button-row left">
        <button
          type="button"
          className="button"
          onClick={() => useEditorUi.setState({ preview: node.id })}
          title="Sample what this node emits, running only what feeds it; nothing is written"
        >
          Preview data
        </button>
        <button
          type="button"
          className="button danger-outline"
          onClick={() => editorStore.getState().deleteSelection()}
        >
          Delete node
        </button>
      </div>
      <section className="panel-section">
        <CommittedInput label="Node id" value={node.id} onCommit={renameProblem} testId="node-id-input" key={node.id} />
        <label className="field">
          <span className="field-label">Title</span>
          <input
            value={node.title ?? ''}
            placeholder={nodeType?.title ?? node.type}
            onChange={(event) =>
              editorStore.getState().updateNode(node.id, { title: event.target.value || undefined }, `${node.id}.title`)
            }
          />
        </label>
      </section>
      {nodeType?.connectionFields && nodeType.connectionFields.length > 0 && (
        <ConnectionPicker node={node} nodeType={nodeType} />
      )}
      {nodeType?.discover && <StreamPicker key={node.id} node={node} nodeType={nodeType} />}
      {nodeType && isRecordDestination(nodeType) && (
        <FieldMapping key={`mapping-${node.id}`} node={node} nodeType={nodeType} />
      )}
      {nodeType && (
        <section className="panel-section">
          <h3>Settings</h3>
          <Suspense fallback={<p className="muted">Loading the form…</p>}>
            <ConfigForm
              key={node.id}
              idPrefix={`cfg-${node.id}`}
              schema={nodeType.config}
              config={config}
              errors={errors}
              connection={node.connection}
              connectionFields={nodeType.connectionFields}
              checkSyntax={async (config) => (await api.checkSyntax(nodeType.type, config)).issues}
              onChange={(next) =>
                editorStore
                  .getState()
                  .updateNode(node.id, { config: stripDefaults(next, config, nodeType.config) }, `${node.id}.config`)
              }
            />
          </Suspense>
        </section>
      )}
    </div>
  );
}

/** The right-hand panel: the selected node's form, or the flow's settings when nothing is selected. */
export function Inspector() {
  const selected = useEditor((state) => state.selectedNodes);
  const node = useEditor((state) =>
    state.selectedNodes.length === 1 ? state.flow.nodes.find((n) => n.id === state.selectedNodes[0]) : undefined,
  );
  const nodeType = useEditor((state) => (node ? state.catalog[node.type] : undefined));
  return (
    <aside className="inspector" aria-label="Inspector">
      {node ? (
        <NodeInspector node={node} nodeType={nodeType} />
      ) : selected.length > 1 ? (
        <div className="inspector-body">
          <header className="inspector-header">
            <h2>{selected.length} nodes selected</h2>
          </header>
          <p className="muted">Drag to move them together, Ctrl+C to copy, Delete to remove them.</p>
          <div className="button-row left">
            <button type="button" className="button" onClick={() => editorStore.getState().copySelection()}>
              Copy
            </button>
            <button
              type="button"
              className="button danger-outline"
              onClick={() => editorStore.getState().deleteSelection()}
            >
              Delete
            </button>
          </div>
        </div>
      ) : (
        <FlowSettings />
      )}
    </aside>
  );
}
