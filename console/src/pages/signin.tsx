import { useState } from "preact/hooks";
import { ErrorNote, Field } from "../ui";

/** Signed out: the local sign-in link, Cognito's hosted UI, or a personal API token pasted in. */
export function SignIn(props: {
  error: string | null;
  cognito: (() => void) | null;
  onToken: (t: string) => void;
}) {
  const [token, setToken] = useState("");
  return (
    <main id="main" class="signin">
      <h1>Digest console</h1>
      <ErrorNote error={props.error} />
      {props.cognito ? (
        <p>
          <button type="button" class="primary" onClick={props.cognito}>
            Sign in
          </button>
        </p>
      ) : (
        <p>
          Open the <code>admin console:</code> link that <code>digest serve</code> prints when it starts: it
          signs you in once.
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (token.trim()) props.onToken(token.trim());
        }}
      >
        <Field
          label="API token"
          hint="Or paste a personal API token (digest team token <email>)."
          input={{
            type: "password",
            autocomplete: "off",
            value: token,
            onInput: (e) => setToken(e.currentTarget.value),
          }}
        />
        <button type="submit">Use token</button>
      </form>
    </main>
  );
}
