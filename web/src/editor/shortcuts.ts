import { useEffect } from 'react';
import { editorStore } from '../store/editor.ts';
import { useEditorUi } from './editor-ui.ts';

/** Every keyboard shortcut, as the help dialog lists it. */
export const shortcuts: { keys: string; what: string }[] = [
  { keys: 'Ctrl+S', what: 'Save (a draft if the flow has issues)' },
  { keys: 'Ctrl+Z', what: 'Undo' },
  { keys: 'Ctrl+Shift+Z or Ctrl+Y', what: 'Redo' },
  { keys: 'Delete or Backspace', what: 'Delete the selected nodes and edges' },
  { keys: 'Ctrl+C / Ctrl+V', what: 'Copy / paste the selected nodes (with the edges between them)' },
  { keys: 'Ctrl+D', what: 'Duplicate the selected nodes' },
  { keys: 'Ctrl+A', what: 'Select every node' },
  { keys: 'Shift+drag', what: 'Select an area' },
  { keys: 'Ctrl+click', what: 'Add to the selection' },
  { keys: 'L', what: 'Lay the flow out automatically' },
  { keys: 'F', what: 'Fit the flow in view' },
  { keys: 'Escape', what: 'Clear the selection, close a dialog' },
  { keys: '?', what: 'This help' },
];

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** The editor's keyboard shortcuts, off while the person types in a field (Ctrl+S aside). */
export function useShortcuts(actions: { save(): void; fitView(): void }): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      const key = event.key.toLowerCase();
      if (mod && key === 's') {
        event.preventDefault();
        actions.save();
        return;
      }
      if (typing(event.target) || document.querySelector('.modal-backdrop')) return;
      const store = editorStore.getState();
      if (mod && key === 'z') {
        event.preventDefault();
        if (event.shiftKey) store.redo();
        else store.undo();
      } else if (mod && key === 'y') {
        event.preventDefault();
        store.redo();
      } else if (mod && key === 'c') {
        if (store.copySelection()) event.preventDefault();
      } else if (mod && key === 'v') {
        event.preventDefault();
        store.paste();
      } else if (mod && key === 'd') {
        event.preventDefault();
        const clip = store.copySelection();
        if (clip) store.paste(clip);
      } else if (mod && key === 'a') {
        event.preventDefault();
        store.selectAll();
      } else if (!mod && (event.key === 'Delete' || event.key === 'Backspace')) {
        event.preventDefault();
        store.deleteSelection();
      } else if (!mod && !event.altKey && key === 'l') {
        store.autoLayout();
        setTimeout(actions.fitView, 50);
      } else if (!mod && !event.altKey && key === 'f') {
        actions.fitView();
      } else if (event.key === '?') {
        useEditorUi.setState({ help: true });
      } else if (event.key === 'Escape') {
        store.select([]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [actions]);
}
