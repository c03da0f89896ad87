import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { call, type OrderSettings } from "../api/client";
import { useApp } from "../app-context";
import { useLoad, useSubmit } from "../hooks";
import { useT, type TextKey } from "../i18n";
import { Loading, Notice, PageTitle, Problem, SaveBar, SelectField, Switch, TextField, UnplacedProblems } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";
import { MAPPING_KINDS } from "./Mappings";

/** `datetime-local` speaks the browser's local time without a zone; the API speaks UTC ISO. */
function toLocalInput(iso: string | null): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

const MISSING_SECTION: Record<string, { path: string; label: TextKey }> = {
  "mappings.payments": { path: "../mappings/payments", label: "section.payments" },
  "mappings.carriers": { path: "../mappings/carriers", label: "section.carriers" },
  "mappings.statuses": { path: "../mappings/statuses", label: "section.statuses" },
};

export function OrderSettingsSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const network = t("common.networkError");
  const id = { params: { path: { id: account.id } } };
  const loaded = useLoad(
    () => call(api.GET("/accounts/{id}/order-settings", id), network),
    [api, account.id, language],
  );
  const statuses = useLoad(() => call(api.GET("/hub/statuses"), network), [api, language]);
  const mappings = useLoad(
    () =>
      Promise.all(
        MAPPING_KINDS.map((kind) =>
          call(api.GET("/accounts/{id}/mappings/{kind}", { params: { path: { id: account.id, kind } } }), network),
        ),
      ),
    [api, account.id],
  );
  const [form, setForm] = useState<OrderSettings>();
  const [fetchFrom, setFetchFrom] = useState("");
  const [version, setVersion] = useState(0);
  const submission = useSubmit();
  useEffect(() => {
    if (loaded.data) {
      setForm(loaded.data);
      setFetchFrom(toLocalInput(loaded.data.fetch_from));
    }
  }, [loaded.data]);

  if (!form) {
    return (
      <section>
        <PageTitle focus={false}>{t("section.orderSettings")}</PageTitle>
        <Problem error={loaded.error} onRetry={loaded.reload} />
        {loaded.loading && <Loading />}
      </section>
    );
  }
  const set = (patch: Partial<OrderSettings>) => setForm({ ...form, ...patch });
  const setSync = (patch: Partial<OrderSettings["sync"]>) => setForm({ ...form, sync: { ...form.sync, ...patch } });
  const statusOptions = (statuses.data?.items ?? []).map((entry) => ({ value: entry.id, label: entry.name }));
  const emptyKinds = MAPPING_KINDS.filter((_, index) => mappings.data && mappings.data[index]?.items.length === 0);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    await submission.run(async () => {
      const answer = await call(
        api.PUT("/accounts/{id}/order-settings", {
          ...id,
          body: {
            fetch_enabled: form.fetch_enabled,
            fetch_from: fromLocalInput(fetchFrom),
            landing_status: form.landing_status || null,
            update_statuses: form.update_statuses,
            sync: form.sync,
            products: form.products,
          },
        }),
        network,
      );
      loaded.setData(answer);
      return t("common.saved");
    });
    setVersion((value) => value + 1);
  };
  const error = submission.error;
  const missing = (error?.details ?? []).filter((problem) => problem.field in MISSING_SECTION);
  return (
    <section>
      <PageTitle focus={false}>{t("section.orderSettings")}</PageTitle>
      {emptyKinds.length > 0 && (
        <Notice kind="warning">
          <p>{t("orderSettings.needsMappings")}</p>
          <ul>
            {emptyKinds.map((kind) => (
              <li key={kind}>
                <Link to={`../mappings/${kind}`}>{t(`empty.${kind}` as TextKey)}</Link>
              </li>
            ))}
          </ul>
        </Notice>
      )}
      <form onSubmit={save} className="card form" noValidate>
        {error && (
          <Notice kind="error">
            <p>{error.message}</p>
            {missing.length > 0 && (
              <ul>
                {missing.map((problem) => {
                  const target = MISSING_SECTION[problem.field]!;
                  return (
                    <li key={problem.field}>
                      {problem.message}{" "}
                      <Link to={target.path}>{t("orderSettings.goTo", { section: t(target.label) })}</Link>
                    </li>
                  );
                })}
              </ul>
            )}
            <UnplacedProblems
              error={error}
              placed={[...Object.keys(MISSING_SECTION), "landing_status", "fetch_from", "update_statuses"]}
            />
          </Notice>
        )}
        <Switch
          label={t("orderSettings.fetchEnabled")}
          checked={form.fetch_enabled}
          onChange={(on) => set({ fetch_enabled: on })}
        />
        <TextField
          label={t("orderSettings.fetchFrom")}
          type="datetime-local"
          value={fetchFrom}
          onChange={setFetchFrom}
          help={t("orderSettings.fetchFromHelp")}
          error={error?.forField("fetch_from")}
        />
        <SelectField
          label={t("orderSettings.landingStatus")}
          value={form.landing_status ?? ""}
          placeholder={t("orderSettings.chooseStatus")}
          options={statusOptions}
          onChange={(value) => set({ landing_status: value || null })}
          error={error?.forField("landing_status")}
        />
        <fieldset className={error?.forField("update_statuses") ? "field-invalid" : undefined}>
          <legend>{t("orderSettings.updateStatuses")}</legend>
          <div className="checks">
            {statusOptions.map((option) => (
              <label key={option.value} className="check">
                <input
                  type="checkbox"
                  checked={form.update_statuses.includes(option.value)}
                  onChange={(event) =>
                    set({
                      update_statuses: event.target.checked
                        ? [...form.update_statuses, option.value]
                        : form.update_statuses.filter((value) => value !== option.value),
                    })
                  }
                />
                {option.label}
              </label>
            ))}
          </div>
          {error?.forField("update_statuses") && <p className="field-error">{error.forField("update_statuses")}</p>}
        </fieldset>
        <fieldset>
          <legend>{t("orderSettings.sync")}</legend>
          <Switch
            label={t("orderSettings.syncUpdateStatuses")}
            checked={form.sync.update_statuses}
            onChange={(on) => setSync({ update_statuses: on })}
          />
          <Switch
            label={t("orderSettings.sendTracking")}
            checked={form.sync.send_tracking_numbers}
            onChange={(on) => setSync({ send_tracking_numbers: on })}
          />
          <Switch
            label={t("orderSettings.sendDocuments")}
            checked={form.sync.send_documents}
            onChange={(on) => setSync({ send_documents: on })}
          />
          <Switch
            label={t("orderSettings.pushStatuses")}
            checked={form.sync.push_statuses}
            onChange={(on) => setSync({ push_statuses: on })}
          />
          <Switch
            label={t("orderSettings.updateStock")}
            checked={form.products.update_stock}
            onChange={(on) => setForm({ ...form, products: { ...form.products, update_stock: on } })}
          />
        </fieldset>
        <SaveBar busy={submission.busy} done={submission.done} />
      </form>
      <SectionLog accountId={account.id} section="order_settings" version={version} />
    </section>
  );
}
