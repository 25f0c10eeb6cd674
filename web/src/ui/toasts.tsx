import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import { describeError } from '../api/client.ts';
import { type Toast, type ToastTone, toastDurationMs, withToast } from './toast-list.ts';

const toasts = createStore<{ list: Toast[] }>()(() => ({ list: [] }));
let nextId = 1;

export function dismiss(id: number): void {
  toasts.setState({ list: toasts.getState().list.filter((toast) => toast.id !== id) });
}

/** A short message in the corner (a few at most, the same one never twice); errors stay longer and list their details. */
export function toast(message: string, options: { tone?: ToastTone; details?: string[] } = {}): void {
  const entry = { id: nextId++, tone: options.tone ?? 'info', message, details: options.details ?? [] };
  toasts.setState({ list: withToast(toasts.getState().list, entry) });
  setTimeout(() => dismiss(entry.id), toastDurationMs[entry.tone]);
}

/** Shows what went wrong with an API call, in the API's words. */
export function toastError(what: string, error: unknown): void {
  const { message, details } = describeError(error);
  toast(`${what}: ${message}`, { tone: 'error', details });
}

export function Toasts() {
  const list = useStore(toasts, (state) => state.list);
  return (
    <div className="toasts" aria-live="polite">
      {list.map((entry) => (
        <div key={entry.id} className={`toast toast-${entry.tone}`} role={entry.tone === 'error' ? 'alert' : 'status'}>
          <div className="toast-message">
            {entry.message}
            {entry.count > 1 && (
              <span className="toast-count" title={`Raised ${entry.count} times`}>
                {' '}
                ×{entry.count}
              </span>
            )}
          </div>
          {entry.details.length > 0 && (
            <ul className="toast-details">
              {entry.details.slice(0, 6).map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
          )}
          <button type="button" className="toast-close" aria-label="Dismiss" onClick={() => dismiss(entry.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
