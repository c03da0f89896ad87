import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { call } from "../api/client";
import { useApp } from "../app-context";
import { useSubmit } from "../hooks";
import { useT } from "../i18n";
import { Notice, PageTitle, SaveBar, TextField, UnplacedProblems } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

const FIELDS = ["name", "shop_url", "api_key"];

/** Name, address and key (a new address or key is checked by the API before it is kept); deletion. */
export function EditAccountSection() {
  const { t } = useT();
  const { api } = useApp();
  const { account, reloadAccount } = useAccount();
  const [name, setName] = useState(account.name);
  const [shopUrl, setShopUrl] = useState(account.shop_url);
  const [apiKey, setApiKey] = useState("");
  const [version, setVersion] = useState(0);
  const submission = useSubmit();
  const check = useSubmit();
  const path = { params: { path: { id: account.id } } };

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const body = {
      ...(name.trim() !== account.name ? { name: name.trim() } : {}),
      ...(shopUrl.trim() !== account.shop_url ? { shop_url: shopUrl.trim() } : {}),
      ...(apiKey.trim() ? { api_key: apiKey.trim() } : {}),
    };
    await submission.run(async () => {
      const saved = await call(api.PATCH("/accounts/{id}", { ...path, body }), t("common.networkError"));
      setApiKey("");
      reloadAccount();
      return body.shop_url || body.api_key ? saved.connection.message : t("common.saved");
    });
    setVersion((value) => value + 1);
  };
  const recheck = async () => {
    await check.run(async () => {
      const answer = await call(api.POST("/accounts/{id}/check", path), t("common.networkError"));
      reloadAccount();
      return answer.message || t("editAccount.checked");
    });
    setVersion((value) => value + 1);
  };
  const error = submission.error;
  return (
    <section>
      <PageTitle focus={false}>{t("editAccount.title")}</PageTitle>
      <form onSubmit={save} className="card form" noValidate>
        {error && (
          <Notice kind="error">
            <p>{error.message}</p>
            <UnplacedProblems error={error} placed={FIELDS} />
          </Notice>
        )}
        <TextField
          label={t("accounts.name")}
          value={name}
          onChange={setName}
          error={error?.forField("name")}
          required
        />
        <TextField
          label={t("accounts.shopUrl")}
          type="url"
          value={shopUrl}
          onChange={setShopUrl}
          error={error?.forField("shop_url")}
          required
        />
        <TextField
          label={t("addAccount.key")}
          value={apiKey}
          onChange={setApiKey}
          error={error?.forField("api_key")}
          help={t("editAccount.keyHelp", { masked: account.api_key })}
          autoComplete="off"
        />
        <div className="actions">
          <SaveBar
            busy={submission.busy}
            done={submission.done}
            label={t("addAccount.submit")}
            busyLabel={t("addAccount.checking")}
          />
          <button type="button" className="secondary" onClick={() => void recheck()} disabled={check.busy}>
            {t("editAccount.check")}
          </button>
        </div>
        {check.done && <Notice kind="success">{check.done}</Notice>}
        {check.error && <Notice kind="error">{check.error.message}</Notice>}
      </form>
      <DeleteAccount />
      <SectionLog accountId={account.id} section="account" version={version} />
    </section>
  );
}

function DeleteAccount() {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  const submission = useSubmit();
  const remove = () =>
    submission.run(async () => {
      await call(api.DELETE("/accounts/{id}", { params: { path: { id: account.id } } }), t("common.networkError"));
      navigate("/integrations/prestashop", { state: { flash: t("deleteAccount.done", { name: account.name }) } });
      return undefined;
    });
  return (
    <section className="card danger-zone" aria-labelledby="delete-account">
      <h2 id="delete-account">{t("deleteAccount.title")}</h2>
      {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
      {confirming ? (
        <div className="confirm" role="group" aria-label={t("deleteAccount.title")}>
          <p>{t("deleteAccount.text")}</p>
          <button type="button" className="danger" onClick={() => void remove()} disabled={submission.busy}>
            {t("deleteAccount.confirm", { name: account.name })}
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            {t("common.cancel")}
          </button>
        </div>
      ) : (
        <button type="button" className="danger" onClick={() => setConfirming(true)}>
          {t("deleteAccount.button")}
        </button>
      )}
    </section>
  );
}
