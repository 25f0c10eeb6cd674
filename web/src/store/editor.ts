import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { createEditorStore, type EditorActions, type EditorState } from './flow-store.ts';

/** The one editor store of the page. */
export const editorStore = createEditorStore();

export function useEditor<T>(selector: (state: EditorState & EditorActions) => T): T {
  return useStore(editorStore, selector);
}

/** For selectors that build a new array or object each time: re-render only when its parts change. */
export function useEditorShallow<T>(selector: (state: EditorState & EditorActions) => T): T {
  return useStore(editorStore, useShallow(selector));
}
