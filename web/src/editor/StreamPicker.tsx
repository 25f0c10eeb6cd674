import { useMemo, useState } from 'react';
import { api, describeError } from '../api/client.ts';
import type { FlowNode, NodeTypeInfo, StreamInfo } from '../api/types.ts';
import { editorStore } from '../store/editor.ts';
import {
  allTables,
  chosenStream,
  describeColumn,
  keyColumns,
  pickCursor,
  pickerFields,
  picksMany,
  pickTable,
  toggleKey,
  toggleTable,
} from './stream-picker.ts';

interface Listing {
  streams?: StreamInfo[];
  error?: { message: string; details: string[] };
  loading: boolean;
}

/**
 * "Browse tables" for a node whose type can discover: lists the streams its config (as edited,
 * connection and env references resolved by the server) reaches, and fills `table` / `tables`,
 * `key` and `incremental.cursor` from them. Every pick edits the node's config in the flow.
 */
export function StreamPicker({ node, nodeType }: { node: FlowNode; nodeType: NodeTypeInfo }) {
  const fields = useMemo(() => pickerFields(nodeType.config), [nodeType.config]);
  const [listing, setListing] = useState<Listing>({ loading: false });
  const config = node.config ?? {};
  const name = node.title ?? node.id;
  if (!fields.one && !fields.many) return null;
  const { noun } = fields;
  const plural = `${noun}s`;
  const Plural = noun === 'table' ? 'Tables' : 'Objects';

  const browse = async () => {
    setListing((current) => ({ ...current, loading: true }));
    try {
      const streams = await api.discover({
        type: node.type,
        config,
        nodeId: node.id,
        ...(node.connection ? { connection: node.connection } : {}),
      });
      setListing({ streams, loading: false });
    } catch (error) {
      const described = describeError(error);
      // The heading names the node already; the server's message starts by naming it too.
      const message = described.message.replace(/^cannot list the (tables|objects) of "[^"]*": /, '');
      setListing({ error: { ...described, message }, loading: false });
    }
  };
  const edit = (next: Record<string, unknown>) =>
    editorStore.getState().updateNode(node.id, { config: next }, `${node.id}.config`);
  const streams = listing.streams;
  const chosen = streams ? chosenStream(config, streams, noun) : undefined;
  const selectedTables = Array.isArray(config[plural]) ? (config[plural] as string[]) : [];
  const many = picksMany(fields, config);
  const everyTable = selectedTables.includes(allTables);
  // Every table of a database is one entry (`*`); objects are listed one by one.
  const offersAll = many && noun === 'table';
  const key = keyColumns(config);
  const cursor = (config.incremental as { cursor?: string } | undefined)?.cursor;

  return (
    <section className="panel-section stream-picker" data-testid="stream-picker">
      <div className="stream-picker-head">
        <h3>{Plural}</h3>
        <button type="button" className="button small" onClick={browse} disabled={listing.loading}>
          {listing.loading ? 'Listing…' : streams ? `Refresh ${plural}` : `Browse ${plural}`}
        </button>
      </div>
      {!streams && !listing.error && (
        <p className="field-hint">
          Lists the {plural} to fill “{fields.one ? noun : plural}”
          {fields.key || fields.cursor
            ? `, then the chosen ${noun}’s columns for the key${fields.cursor ? ' and the incremental cursor' : ''}`
            : ', with their fields'}
          .
        </p>
      )}
      {listing.error && (
        <div className="error-box" role="alert" data-testid="stream-picker-error">
          <strong>
            Cannot list the {plural} of “{name}”
          </strong>
          : {listing.error.message}
          {listing.error.details.length > 0 && (
            <ul>
              {listing.error.details.map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {streams && streams.length === 0 && <p className="muted">No {plural} found.</p>}
      {streams && streams.length > 0 && (
        <ul className="stream-list" aria-label={`${Plural} of ${name}`}>
          {offersAll && (
            <li>
              <label className={everyTable ? 'stream-option selected' : 'stream-option'}>
                <input type="checkbox" checked={everyTable} onChange={() => edit(toggleTable(config, allTables))} />
                <span className="stream-name">All tables (*)</span>
                <span className="muted">{streams.length} tables</span>
              </label>
            </li>
          )}
          {streams.map((stream) => {
            const selected = many ? everyTable || selectedTables.includes(stream.name) : config[noun] === stream.name;
            return (
              <li key={stream.name}>
                <label className={selected ? 'stream-option selected' : 'stream-option'}>
                  <input
                    type={many ? 'checkbox' : 'radio'}
                    name={`stream-${node.id}`}
                    checked={selected}
                    disabled={many && everyTable}
                    onChange={() =>
                      edit(
                        many
                          ? toggleTable(config, stream.name, noun)
                          : pickTable(config, nodeType.config, stream.name, noun),
                      )
                    }
                  />
                  <span className="stream-name">{stream.name}</span>
                  {stream.columns.length > 0 && (
                    <span className="muted">
                      {stream.columns.length} {noun === 'table' ? 'columns' : 'fields'}
                    </span>
                  )}
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {chosen && (fields.key || fields.cursor) && (
        <table className="table compact column-picker" data-testid="column-picker">
          <caption>Columns of {chosen.name}</caption>
          <thead>
            <tr>
              <th scope="col">Column</th>
              <th scope="col">Type</th>
              {fields.key && <th scope="col">Key</th>}
              {fields.cursor && <th scope="col">Cursor</th>}
            </tr>
          </thead>
          <tbody>
            {chosen.columns.map((column) => (
              <tr key={column.name}>
                <td>
                  <code>{column.name}</code>
                </td>
                <td className="muted">{describeColumn(column, chosen)}</td>
                {fields.key && (
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${column.name} in the key`}
                      checked={key.includes(column.name)}
                      onChange={() => edit(toggleKey(config, column.name))}
                    />
                  </td>
                )}
                {fields.cursor && (
                  <td>
                    <input
                      type="radio"
                      name={`cursor-${node.id}`}
                      aria-label={`${column.name} as the incremental cursor`}
                      checked={cursor === column.name}
                      onChange={() => edit(pickCursor(config, column.name))}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
