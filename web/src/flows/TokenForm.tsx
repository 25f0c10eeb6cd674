import { useState } from 'react';
import { describeError, signIn } from '../api/client.ts';

/** Signs this browser in with the server's BACKFLOW_TOKEN (the server then keeps a session). */
export function TokenForm({ onSaved }: { onSaved(): void }) {
  const [token, setToken] = useState('');
  const [refused, setRefused] = useState<string>();
  return (
    <form
      className="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        signIn(token).then(
          () => {
            setRefused(undefined);
            setToken('');
            onSaved();
          },
          (error: unknown) => setRefused(describeError(error).message),
        );
      }}
    >
      <label>
        Token{' '}
        <input
          type="password"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          placeholder="BACKFLOW_TOKEN"
          autoComplete="current-password"
        />
      </label>
      <button type="submit" className="button small" disabled={token === ''}>
        Sign in
      </button>
      {refused && (
        <span className="error-text" role="alert">
          {refused}
        </span>
      )}
    </form>
  );
}
