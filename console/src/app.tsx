import { useEffect, useState } from "preact/hooks";
import { type ConsoleConfig, describeError, sessionToken, setSessionToken, whenSignedOut } from "./api";
import { useRoute } from "./hooks";
import { AuditPage } from "./pages/audit";
import { EditionPage } from "./pages/edition";
import { EditionsPage } from "./pages/editions";
import { FeedsPage } from "./pages/feeds";
import { OverviewPage } from "./pages/overview";
import { SignIn } from "./pages/signin";
import { StoriesPage } from "./pages/stories";
import { SubscribersPage } from "./pages/subscribers";
import { SuppressionsPage } from "./pages/suppressions";
import { TeamPage } from "./pages/team";
import {
  exchangeSignInCode,
  finishCognitoSignIn,
  loadConfig,
  loadMe,
  type Me,
  startCognitoSignIn,
} from "./session";
import { MeContext } from "./ui";

const NAV: [string, string][] = [
  ["overview", "Overview"],
  ["editions", "Editions"],
  ["stories", "Stories"],
  ["subscribers", "Subscribers"],
  ["suppressions", "Suppressions"],
  ["feeds", "Feeds"],
  ["team", "Team"],
  ["audit", "Audit log"],
];

type State =
  | { kind: "starting" }
  | { kind: "signed-out"; config: ConsoleConfig | null; error: string | null }
  | { kind: "signed-in"; config: ConsoleConfig; me: Me };

export function App() {
  const [state, setState] = useState<State>({ kind: "starting" });

  const start = async () => {
    let config: ConsoleConfig | null = null;
    try {
      config = await loadConfig();
      if (config.auth.kind === "cognito") await finishCognitoSignIn(config.auth);
      else await exchangeSignInCode();
      if (!sessionToken()) return setState({ kind: "signed-out", config, error: null });
      setState({ kind: "signed-in", config, me: await loadMe() });
    } catch (err) {
      setSessionToken(null);
      setState({ kind: "signed-out", config, error: describeError(err) });
    }
  };

  useEffect(() => {
    whenSignedOut(() => {
      setSessionToken(null);
      setState((s) => ({
        kind: "signed-out",
        config: s.kind === "starting" ? null : s.config,
        error: "Your session ended: sign in again.",
      }));
    });
    void start();
    // A sign-in link opened in the tab that already runs the console.
    const onHash = () => {
      if (location.hash.startsWith("#signin=")) void start();
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);

  if (state.kind === "starting") {
    return (
      <main id="main" class="signin">
        <p role="status">Starting…</p>
      </main>
    );
  }
  if (state.kind === "signed-out") {
    const { config } = state;
    return (
      <SignIn
        error={state.error}
        cognito={config?.auth.kind === "cognito" ? () => startCognitoSignIn(config.auth as never) : null}
        onToken={(token) => {
          setSessionToken(token);
          void start();
        }}
      />
    );
  }
  return (
    <MeContext.Provider value={state.me}>
      <Shell
        me={state.me}
        onSignOut={() => {
          setSessionToken(null);
          setState({ kind: "signed-out", config: state.config, error: null });
        }}
      />
    </MeContext.Provider>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const route = useRoute();
  const section = route[0] ?? "overview";
  useEffect(() => {
    // After a page change, focus moves to its heading (as a screen reader user expects of a new page).
    document.querySelector<HTMLElement>("main h1")?.focus();
  }, [section, route[1]]);
  return (
    <div class="layout">
      {/* A button, not a link: the URL's fragment is the console's route. */}
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Digest console</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map(([path, label]) => (
              <li key={path}>
                <a href={`#/${path}`} aria-current={section === path ? "page" : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            {me.email ?? "local owner"} · <strong class="role">{me.role}</strong>
          </span>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} />
      </main>
    </div>
  );
}

function Page({ route }: { route: string[] }) {
  const [section = "overview", id] = route;
  switch (section) {
    case "editions":
      return id ? <EditionPage id={id} /> : <EditionsPage />;
    case "stories":
      return <StoriesPage />;
    case "subscribers":
      return <SubscribersPage />;
    case "suppressions":
      return <SuppressionsPage />;
    case "feeds":
      return <FeedsPage />;
    case "team":
      return <TeamPage />;
    case "audit":
      return <AuditPage />;
    default:
      return <OverviewPage />;
  }
}
