import { useReactFlow } from '@xyflow/react';
import { type DragEvent, useMemo, useState } from 'react';
import type { NodeRole, NodeTypeInfo } from '../api/types.ts';
import { freePosition } from '../flow/layout.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import { RoleIcon } from '../ui/icons.tsx';
import { paletteMime } from './Canvas.tsx';

const roles: { role: NodeRole; title: string }[] = [
  { role: 'source', title: 'Sources' },
  { role: 'transform', title: 'Transforms' },
  { role: 'destination', title: 'Destinations' },
];

function ports(type: NodeTypeInfo): string {
  const side = (list: NodeTypeInfo['inputs']) => [...new Set(list.map((port) => port.kind))].join(', ');
  const inputs = side(type.inputs);
  const outputs = side(type.outputs);
  return `${inputs || '–'} → ${outputs || '–'}`;
}

/** The node types the server offers (`GET /api/node-types`), by role; drag one onto the canvas. */
export function Palette() {
  const catalog = useEditor((state) => state.catalog);
  const [query, setQuery] = useState('');
  const { screenToFlowPosition } = useReactFlow();
  const groups = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const matches = (type: NodeTypeInfo) => {
      const text = `${type.type} ${type.title} ${type.description ?? ''} ${type.role}`.toLowerCase();
      return words.every((word) => text.includes(word));
    };
    const types = Object.values(catalog).filter(matches);
    return roles.map((group) => ({ ...group, types: types.filter((type) => type.role === group.role) }));
  }, [catalog, query]);

  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(paletteMime, type);
    event.dataTransfer.effectAllowed = 'copy';
  };
  // Without a mouse: Enter adds the node in the middle of the view, below any node already there.
  const addAtCentre = (type: string) => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const centre = canvas
      ? screenToFlowPosition({ x: canvas.left + canvas.width / 2, y: canvas.top + canvas.height / 2 })
      : { x: 0, y: 0 };
    const { flow, sizes } = editorStore.getState();
    editorStore.getState().addNode(
      type,
      freePosition(flow, centre, (id) => sizes[id]),
    );
  };
  const empty = groups.every((group) => group.types.length === 0);

  return (
    <aside className="palette" aria-label="Node types">
      <div className="palette-search">
        <input
          type="search"
          placeholder="Search node types"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          aria-label="Search node types"
        />
      </div>
      <div className="palette-groups">
        {groups.map(
          (group) =>
            group.types.length > 0 && (
              <section key={group.role} className="palette-group">
                <h3>{group.title}</h3>
                {group.types.map((type) => (
                  <button
                    type="button"
                    key={type.type}
                    className={`palette-item role-${type.role}`}
                    draggable
                    onDragStart={(event) => onDragStart(event, type.type)}
                    onDoubleClick={() => addAtCentre(type.type)}
                    onKeyDown={(event) => {
                      if (event.key === 'Enter') addAtCentre(type.type);
                    }}
                    title={`${type.description ?? ''}\nDrag onto the canvas (or double-click) to add.`}
                    data-node-type={type.type}
                  >
                    <RoleIcon role={type.role} />
                    <span className="palette-item-text">
                      <span className="palette-item-title">{type.title}</span>
                      <span className="palette-item-meta">
                        {type.type} · {ports(type)}
                      </span>
                    </span>
                  </button>
                ))}
              </section>
            ),
        )}
        {empty && <p className="empty-note">No node type matches “{query}”.</p>}
      </div>
    </aside>
  );
}
