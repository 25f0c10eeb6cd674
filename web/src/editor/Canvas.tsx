import {
  Background,
  BackgroundVariant,
  type Connection,
  Controls,
  type Edge,
  type FinalConnectionState,
  MiniMap,
  ReactFlow,
  useConnection,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, type MouseEvent as ReactMouseEvent, useCallback, useMemo, useRef, useState } from 'react';
import type { CanvasNode } from '../flow/to-react-flow.ts';
import { createNodeCache, toCanvasEdges, toCanvasNodes } from '../flow/to-react-flow.ts';
import { editorStore, useEditor } from '../store/editor.ts';
import { useNarrowScreen } from '../ui/narrow.ts';
import { toast } from '../ui/toasts.tsx';
import { CountedEdge } from './CountedEdge.tsx';
import { useEditorUi } from './editor-ui.ts';
import { FlowNodeView } from './FlowNodeView.tsx';

/** Defined once, outside any component, so React Flow never sees new node or edge types. */
const nodeTypes = { flow: FlowNodeView };
const edgeTypes = { counted: CountedEdge };

export const paletteMime = 'application/x-backflow-node-type';

const roleColour: Record<string, string> = {
  source: '#2f9e44',
  transform: '#4263eb',
  destination: '#e8590c',
};

const minimapSize = { width: 168, height: 112 };

function minimapColour(node: CanvasNode): string {
  return roleColour[node.data.nodeType?.role ?? ''] ?? '#868e96';
}

const toConnection = (connection: Connection | Edge) => ({
  source: connection.source,
  sourceHandle: connection.sourceHandle ?? null,
  target: connection.target,
  targetHandle: connection.targetHandle ?? null,
});

/** While a connection is drawn over a port that refuses it, says why, next to the pointer. */
function ConnectionHint() {
  const connection = useConnection();
  const reason = useMemo(() => {
    if (!connection.inProgress || !connection.toHandle || connection.isValid !== false) return undefined;
    const from = connection.fromHandle;
    const to = connection.toHandle;
    const [source, target] = from.type === 'source' ? [from, to] : [to, from];
    const check = editorStore.getState().checkConnection({
      source: source.nodeId,
      sourceHandle: source.id ?? null,
      target: target.nodeId,
      targetHandle: target.id ?? null,
    });
    return check.ok ? undefined : check.reason;
  }, [connection]);
  if (!reason || !connection.pointer) return null;
  return (
    <div className="connection-hint" role="status">
      {reason}
    </div>
  );
}

/** The flow drawn from the store's document; every edit goes back to the store. */
export function Canvas() {
  const flow = useEditor((state) => state.flow);
  const catalog = useEditor((state) => state.catalog);
  const selectedNodes = useEditor((state) => state.selectedNodes);
  const selectedEdges = useEditor((state) => state.selectedEdges);
  const sizes = useEditor((state) => state.sizes);
  // On a narrow screen, or above an open run panel, the minimap would cover nodes the person needs to see.
  const narrow = useNarrowScreen();
  const runPanel = useEditorUi((state) => state.runPanel);
  const showMinimap = !narrow && !runPanel;
  const cache = useRef(createNodeCache());
  const { screenToFlowPosition } = useReactFlow();
  // Fit the flow in view when it opens; an empty flow keeps the plain view, so a dropped node lands where it fell.
  const [fitOnOpen] = useState(() => flow.nodes.length > 0);

  const nodes = useMemo(
    () => toCanvasNodes(flow, catalog, new Set(selectedNodes), sizes, cache.current),
    [flow, catalog, selectedNodes, sizes],
  );
  const edges = useMemo(() => toCanvasEdges(flow, catalog, new Set(selectedEdges)), [flow, catalog, selectedEdges]);

  const isValidConnection = useCallback(
    (connection: Connection | Edge) => editorStore.getState().checkConnection(toConnection(connection)).ok,
    [],
  );
  const onConnect = useCallback((connection: Connection) => {
    const check = editorStore.getState().connect(toConnection(connection));
    if (!check.ok) toast(`Not connected: ${check.reason}`, { tone: 'error' });
  }, []);
  // A connection dropped on a port that refused it: say why, in words.
  const onConnectEnd = useCallback((_event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.toHandle || !state.fromHandle) return;
    const [source, target] =
      state.fromHandle.type === 'source' ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
    const check = editorStore.getState().checkConnection({
      source: source.nodeId,
      sourceHandle: source.id ?? null,
      target: target.nodeId,
      targetHandle: target.id ?? null,
    });
    if (!check.ok) toast(`Not connected: ${check.reason}`, { tone: 'error' });
  }, []);

  // A plain click selects that node alone, even within a selection (React Flow keeps the group, for dragging it).
  const onNodeClick = useCallback((event: ReactMouseEvent, node: CanvasNode) => {
    if (event.shiftKey || event.metaKey || event.ctrlKey) return;
    editorStore.getState().select([node.id]);
  }, []);

  const onDragOver = useCallback((event: DragEvent) => {
    if (!event.dataTransfer.types.includes(paletteMime)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, []);
  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(paletteMime);
      if (!type) return;
      event.preventDefault();
      const at = screenToFlowPosition({ x: event.clientX, y: event.clientY });
      // The pointer holds the node by its header, a little in from the left.
      editorStore.getState().addNode(type, { x: at.x - 30, y: at.y - 20 });
    },
    [screenToFlowPosition],
  );

  return (
    <div className="canvas" data-testid="canvas">
      <ReactFlow<CanvasNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={editorStore.getState().applyNodeChanges}
        onEdgesChange={editorStore.getState().applyEdgeChanges}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onNodeClick={onNodeClick}
        onDragOver={onDragOver}
        onDrop={onDrop}
        isValidConnection={isValidConnection}
        deleteKeyCode={null}
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        selectionKeyCode="Shift"
        selectionOnDrag={false}
        minZoom={0.1}
        maxZoom={2}
        fitView={fitOnOpen}
        fitViewOptions={{ padding: 0.2, maxZoom: 1.1 }}
        proOptions={{ hideAttribution: true }}
        connectionRadius={24}
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} color="#c9d0d8" />
        {showMinimap && (
          <MiniMap<CanvasNode>
            pannable
            zoomable
            nodeColor={minimapColour}
            nodeStrokeWidth={0}
            ariaLabel="Overview map"
            style={minimapSize}
          />
        )}
        <Controls showInteractive={false} />
        <ConnectionHint />
      </ReactFlow>
      {flow.nodes.length === 0 && (
        <div className="canvas-empty">
          <h3>An empty flow</h3>
          <p>
            Drag a <strong>source</strong> from the palette on the left onto this canvas, then a transform or a
            destination, and join their ports: records ports are blue, files ports amber.
          </p>
          <p className="muted">Press ? for the keyboard shortcuts.</p>
        </div>
      )}
    </div>
  );
}
