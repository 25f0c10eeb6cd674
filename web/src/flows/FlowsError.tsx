import { TokenForm } from './TokenForm.tsx';

/** Why the flows could not be listed, with a sign-in for a server that wants its token. */
export function FlowsError(props: { error: { message: string; details: string[] }; onSignedIn(): void }) {
  return (
    <div className="error-box" role="alert">
      <strong>Could not list the flows: {props.error.message}</strong>
      {props.error.details.map((detail) => (
        <div key={detail}>{detail}</div>
      ))}
      <p className="muted">
        Is the server running (<code>npm start</code>)? A server started with BACKFLOW_TOKEN needs the token once: sign
        in below (this browser then holds a session until the server restarts).
      </p>
      <TokenForm onSaved={props.onSignedIn} />
    </div>
  );
}
