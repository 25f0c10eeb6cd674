import Form from '@rjsf/core';
import validator from '@rjsf/validator-ajv8';
import { useEffect, useMemo, useState } from 'react';
import { api } from '../api/client.ts';
import type { Connection, ConnectionType } from '../api/types.ts';
import { generateForm } from '../forms/form-schema.ts';
import { Modal } from '../ui/Modal.tsx';
import { toast, toastError } from '../ui/toasts.tsx';
import { refreshConnections, useConnections } from './connection-store.ts';

const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

interface Draft {
  id: string | undefined;
  name: string;
  type: string;
  config: Record<string, unknown>;
  /** Secret fields to clear (sent as null). */
  clear: string[];
}

/** The form of one connection; secrets are never shown, only whether they are set. */
function ConnectionEditor(props: { draft: Draft; types: ConnectionType[]; existing?: Connection; onDone(): void }) {
  const [draft, setDraft] = useState(props.draft);
  const [busy, setBusy] = useState(false);
  const type = props.types.find((candidate) => candidate.type === draft.type);
  const form = useMemo(() => (type ? generateForm(type.config) : undefined), [type]);
  const uiSchema = useMemo(() => {
    if (!form || !type) return {};
    const ui = { ...form.uiSchema };
    for (const secret of type.secretFields) {
      const set = props.existing?.secretsSet.includes(secret) && !draft.clear.includes(secret);
      ui[secret] = {
        ...ui[secret],
        'ui:widget': 'password',
        'ui:placeholder': set ? '•••••• stored (leave empty to keep)' : '',
        'ui:help': 'Stored encrypted on the server and never shown again.',
      };
    }
    return ui;
  }, [form, type, props.existing, draft.clear]);
  const nameError = draft.name && !namePattern.test(draft.name) ? 'letters, digits, _ . - only' : undefined;

  const submit = async () => {
    if (!draft.name || nameError) return;
    setBusy(true);
    const config: Record<string, unknown> = { ...draft.config };
    for (const secret of draft.clear) config[secret] = null;
    try {
      const body = { name: draft.name, type: draft.type, config };
      if (draft.id) await api.updateConnection(draft.id, body);
      else await api.createConnection(body);
      toast(`Connection “${draft.name}” saved`, { tone: 'success' });
      await refreshConnections();
      props.onDone();
    } catch (error) {
      toastError('Could not save the connection', error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="connection-editor">
      <div className="field-row">
        <label>
          Name
          <input
            value={draft.name}
            onChange={(event) => setDraft({ ...draft, name: event.target.value })}
            placeholder="warehouse"
            aria-invalid={Boolean(nameError)}
          />
          {nameError && <span className="field-error">{nameError}</span>}
        </label>
        <label>
          Kind
          <select
            value={draft.type}
            disabled={Boolean(draft.id)}
            onChange={(event) => setDraft({ ...draft, type: event.target.value, config: {} })}
          >
            {props.types.map((candidate) => (
              <option key={candidate.type} value={candidate.type}>
                {candidate.title}
              </option>
            ))}
          </select>
        </label>
      </div>
      {form && (
        <Form
          schema={form.schema}
          uiSchema={uiSchema}
          formData={draft.config}
          validator={validator}
          noHtml5Validate
          showErrorList={false}
          idPrefix="connection"
          onChange={(event) => setDraft({ ...draft, config: (event.formData ?? {}) as Record<string, unknown> })}
        />
      )}
      {type && props.existing && type.secretFields.some((secret) => props.existing!.secretsSet.includes(secret)) && (
        <div className="secret-clear">
          {type.secretFields
            .filter((secret) => props.existing!.secretsSet.includes(secret))
            .map((secret) => (
              <label key={secret} className="checkbox">
                <input
                  type="checkbox"
                  checked={draft.clear.includes(secret)}
                  onChange={(event) =>
                    setDraft({
                      ...draft,
                      clear: event.target.checked ? [...draft.clear, secret] : draft.clear.filter((s) => s !== secret),
                    })
                  }
                />
                Clear the stored {secret}
              </label>
            ))}
        </div>
      )}
      <div className="button-row">
        <button type="button" className="button" onClick={props.onDone}>
          Cancel
        </button>
        <button
          type="button"
          className="button primary"
          disabled={busy || !draft.name || Boolean(nameError)}
          onClick={submit}
        >
          {draft.id ? 'Save connection' : 'Create connection'}
        </button>
      </div>
    </div>
  );
}

/** Stored connections: list, create, edit, test, delete (`/api/connections`). */
export function ConnectionsDialog(props: { onClose(): void; initialType?: string }) {
  const list = useConnections((state) => state.list);
  const types = useConnections((state) => state.types);
  const [editing, setEditing] = useState<{ draft: Draft; existing?: Connection }>();
  const [testing, setTesting] = useState<string>();
  useEffect(() => {
    void refreshConnections();
  }, []);

  const startNew = () => {
    const type = types.find((candidate) => candidate.type === props.initialType) ?? types[0];
    if (!type) return;
    setEditing({ draft: { id: undefined, name: '', type: type.type, config: {}, clear: [] } });
  };
  const test = async (connection: Connection) => {
    setTesting(connection.id);
    try {
      const result = await api.testConnection(connection.id);
      toast(`“${connection.name}” works (${result.durationMs} ms)`, { tone: 'success' });
    } catch (error) {
      toastError(`“${connection.name}” failed its test`, error);
    } finally {
      setTesting(undefined);
    }
  };
  const remove = async (connection: Connection) => {
    if (!confirm(`Delete the connection “${connection.name}”? Flows that name it will stop validating.`)) return;
    try {
      await api.deleteConnection(connection.id);
      await refreshConnections();
    } catch (error) {
      toastError('Could not delete the connection', error);
    }
  };

  return (
    <Modal title="Connections" onClose={props.onClose} wide testId="connections-dialog">
      {editing ? (
        <ConnectionEditor
          draft={editing.draft}
          types={types}
          {...(editing.existing ? { existing: editing.existing } : {})}
          onDone={() => setEditing(undefined)}
        />
      ) : (
        <>
          <p className="muted">
            A connection keeps a system’s address and credentials on the server (secrets encrypted), apart from flows: a
            node names it, so an exported flow never carries a password.
          </p>
          {list.length === 0 ? (
            <div className="empty-state small">
              <p>No connections yet.</p>
              {types.length === 0 && <p className="muted">No node type of this server takes a stored connection.</p>}
            </div>
          ) : (
            <table className="table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th>Fields</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {list.map((connection) => (
                  <tr key={connection.id}>
                    <td>
                      <strong>{connection.name}</strong>
                    </td>
                    <td>{connection.type}</td>
                    <td className="mono small">
                      {Object.entries(connection.config)
                        .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
                        .concat(connection.secretsSet.map((secret) => `${secret}: ••••`))
                        .join(', ')}
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="button small"
                        disabled={testing === connection.id}
                        onClick={() => test(connection)}
                      >
                        {testing === connection.id ? 'Testing…' : 'Test'}
                      </button>
                      <button
                        type="button"
                        className="button small"
                        onClick={() =>
                          setEditing({
                            draft: {
                              id: connection.id,
                              name: connection.name,
                              type: connection.type,
                              config: { ...connection.config },
                              clear: [],
                            },
                            existing: connection,
                          })
                        }
                      >
                        Edit
                      </button>
                      <button type="button" className="button small danger" onClick={() => remove(connection)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="button-row">
            <button type="button" className="button primary" disabled={types.length === 0} onClick={startNew}>
              New connection
            </button>
          </div>
        </>
      )}
    </Modal>
  );
}
