import { useState, type FormEvent } from "react";
import { call, ApiError } from "../api/client";
import { useApp } from "../app-context";
import { LanguageSwitch } from "../App";
import { useT, type TextKey } from "../i18n";
import { Notice, PageTitle, TextField } from "../ui";

/** The token is checked with a cheap authenticated read before it is kept. */
export function SignIn({ notice, onSignIn }: { notice: TextKey | undefined; onSignIn: (token: string) => void }) {
  const { t } = useT();
  const { api } = useApp();
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const value = token.trim();
    if (!value) {
      setError(t("signIn.required"));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await call(
        api.GET("/accounts", { params: { query: { limit: 1 } }, headers: { Authorization: `Bearer ${value}` } }),
        t("common.networkError"),
      );
      onSignIn(value);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <div className="sign-in-top">
        <span className="brand">{t("app.name")}</span>
        <LanguageSwitch />
      </div>
      <form onSubmit={submit} className="card" noValidate>
        <PageTitle>{t("signIn.title")}</PageTitle>
        {notice && !error && <Notice kind="info">{t(notice)}</Notice>}
        <TextField
          label={t("signIn.token")}
          type="password"
          value={token}
          onChange={setToken}
          error={error}
          help={t("signIn.tokenHelp")}
          autoComplete="current-password"
          required
        />
        <button type="submit" disabled={busy}>
          {busy ? t("signIn.checking") : t("signIn.submit")}
        </button>
      </form>
    </main>
  );
}
