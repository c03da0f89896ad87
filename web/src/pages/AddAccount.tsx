import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { call, type Account } from "../api/client";
import { useApp } from "../app-context";
import { useSubmit } from "../hooks";
import { useT } from "../i18n";
import { Notice, PageTitle, SaveBar, TextField, UnplacedProblems } from "../ui";

const FIELDS = ["name", "shop_url", "api_key"] as const;

/** The seed's form: the connection check's message as the API words it, the fields kept on error. */
export function AddAccount() {
  const { t } = useT();
  const { api } = useApp();
  const [values, setValues] = useState({ name: "", shop_url: "", api_key: "" });
  const [created, setCreated] = useState<Account>();
  const submission = useSubmit();
  const set = (field: (typeof FIELDS)[number]) => (value: string) => setValues((old) => ({ ...old, [field]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await submission.run(async () => {
      const account = await call(
        api.POST("/accounts", {
          body: {
            ...values,
            name: values.name.trim(),
            shop_url: values.shop_url.trim(),
            api_key: values.api_key.trim(),
            platform: "prestashop",
          },
        }),
        t("common.networkError"),
      );
      setCreated(account);
      return undefined;
    });
  };

  if (created) {
    const missing = created.connection.missing_permissions ?? [];
    return (
      <section>
        <PageTitle>{t("addAccount.title")}</PageTitle>
        <Notice kind="success">
          <p>{created.connection.message}</p>
          {missing.length > 0 && <p>{t("addAccount.missingPermissions", { list: missing.join(", ") })}</p>}
        </Notice>
        <p>
          <Link className="button" to={`/integrations/prestashop/${created.id}`}>
            {t("addAccount.next")}
          </Link>
        </p>
      </section>
    );
  }
  const error = submission.error;
  return (
    <section>
      <PageTitle>{t("addAccount.title")}</PageTitle>
      <form onSubmit={submit} className="card form" noValidate>
        {error && (
          <Notice kind="error">
            <p>{error.message}</p>
            <UnplacedProblems error={error} placed={[...FIELDS]} />
          </Notice>
        )}
        <TextField
          label={t("accounts.name")}
          value={values.name}
          onChange={set("name")}
          error={error?.forField("name")}
          required
        />
        <TextField
          label={t("accounts.shopUrl")}
          type="url"
          value={values.shop_url}
          onChange={set("shop_url")}
          error={error?.forField("shop_url")}
          placeholder="https://sklep.example.pl"
          required
        />
        <TextField
          label={t("addAccount.key")}
          value={values.api_key}
          onChange={set("api_key")}
          error={error?.forField("api_key")}
          help={t("addAccount.help")}
          autoComplete="off"
          required
        />
        <SaveBar busy={submission.busy} label={t("addAccount.submit")} busyLabel={t("addAccount.checking")} />
      </form>
    </section>
  );
}
