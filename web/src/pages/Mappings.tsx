import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useParams } from "react-router-dom";
import { call, type Client, type DictionaryEntry, type Discovery } from "../api/client";
import { useApp } from "../app-context";
import { useLoad, useSubmit } from "../hooks";
import { useT, type TextKey } from "../i18n";
import { EmptyState, Loading, Notice, PageTitle, Problem, SaveBar, SelectField, TextField } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

export type MappingKind = "payments" | "carriers" | "statuses";
export const MAPPING_KINDS: MappingKind[] = ["payments", "carriers", "statuses"];

/** One value the shop has, as discovery found it. */
interface ShopValue {
  value: string;
  name: string;
  orders?: number;
  inactive?: boolean;
}

/** What differs between the three kinds: the field naming the shop value, where it comes from. */
const KINDS: Record<
  MappingKind,
  { field: string; numeric: boolean; title: TextKey; shopValues: (d: Discovery) => ShopValue[] }
> = {
  payments: {
    field: "module",
    numeric: false,
    title: "section.payments",
    shopValues: (d) =>
      (d.payment_methods ?? []).map((p) => ({ value: p.module, name: p.name || p.module, orders: p.orders })),
  },
  carriers: {
    field: "id_reference",
    numeric: true,
    title: "section.carriers",
    shopValues: (d) =>
      (d.carriers ?? []).map((c) => ({ value: String(c.id_reference), name: c.name, inactive: !c.active })),
  },
  statuses: {
    field: "shop_state_id",
    numeric: true,
    title: "section.statuses",
    shopValues: (d) => (d.order_states ?? []).map((s) => ({ value: String(s.id), name: s.name })),
  },
};

function dictionary(api: Client, kind: MappingKind) {
  switch (kind) {
    case "payments":
      return api.GET("/hub/payment-methods");
    case "carriers":
      return api.GET("/hub/shipping-methods");
    case "statuses":
      return api.GET("/hub/statuses");
  }
}

function addEntry(api: Client, kind: MappingKind, name: string) {
  const body = { body: { name } };
  switch (kind) {
    case "payments":
      return api.POST("/hub/payment-methods", body);
    case "carriers":
      return api.POST("/hub/shipping-methods", body);
    case "statuses":
      return api.POST("/hub/statuses", body);
  }
}

export function MappingSection() {
  const { kind } = useParams();
  if (!kind || !MAPPING_KINDS.includes(kind as MappingKind)) return <Navigate to="../../mappings/payments" replace />;
  return <Mappings key={kind} kind={kind as MappingKind} />;
}

function Mappings({ kind }: { kind: MappingKind }) {
  const { t, language } = useT();
  const { api } = useApp();
  const { account, discovering, reloadAccount } = useAccount();
  const spec = KINDS[kind];
  const network = t("common.networkError");
  const path = { params: { path: { id: account.id } } };
  const discovery = useLoad(
    () => call(api.GET("/accounts/{id}/discovery", path), network),
    [api, account.id, discovering, language],
  );
  const current = useLoad(
    () => call(api.GET("/accounts/{id}/mappings/{kind}", { params: { path: { id: account.id, kind } } }), network),
    [api, account.id, kind, discovering, language],
  );
  const entries = useLoad(() => call(dictionary(api, kind), network), [api, kind, language]);
  const [choices, setChoices] = useState<Record<string, string>>({});
  const submission = useSubmit();
  const [version, setVersion] = useState(0);
  const changed = () => setVersion((value) => value + 1);

  useEffect(() => {
    const saved: Record<string, string> = {};
    for (const item of current.data?.items ?? []) saved[String(item[spec.field])] = String(item.hub_id);
    setChoices(saved);
  }, [current.data, spec.field]);

  const found = discovery.data ? spec.shopValues(discovery.data) : [];
  const known = new Set(found.map((row) => row.value));
  const stale = Object.keys(choices)
    .filter((value) => !known.has(value))
    .map((value) => ({ value, name: value }));
  const rows: ShopValue[] = [...found, ...stale];

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const chosen = rows.filter((row) => choices[row.value]);
    await submission.run(async () => {
      const items = chosen.map((row) => ({
        [spec.field]: spec.numeric ? Number(row.value) : row.value,
        hub_id: choices[row.value],
      }));
      const answer = await call(
        api.PUT("/accounts/{id}/mappings/{kind}", { params: { path: { id: account.id, kind } }, body: { items } }),
        network,
      );
      current.setData(answer);
      changed();
      return t("common.saved");
    });
  };
  /** The API names a row's problem `items[<i>].<field>`, `i` counted in the PUT body. */
  const rowError = (value: string) => {
    const index = rows.filter((row) => choices[row.value]).findIndex((row) => row.value === value);
    return submission.error?.details.find((problem) => problem.field.startsWith(`items[${index}]`))?.message;
  };

  const loading = discovery.loading && !discovery.data;
  const unmapped = rows.filter((row) => !choices[row.value]).length;
  const hubLabel = t(`mappings.hubValue.${kind}` as TextKey);
  const options = (entries.data?.items ?? []).map((entry: DictionaryEntry) => ({ value: entry.id, label: entry.name }));
  return (
    <section>
      <PageTitle focus={false}>{t(spec.title)}</PageTitle>
      <Problem
        error={discovery.error ?? current.error ?? entries.error}
        onRetry={() => [discovery, current, entries].forEach((x) => x.reload())}
      />
      {discovering && <Notice kind="info">{t("discovery.running")}</Notice>}
      {loading && <Loading />}
      {!discovering && discovery.data && rows.length === 0 && (
        <EmptyState>
          <p>{t("mappings.empty")}</p>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <form onSubmit={save} className="card">
          <p className={unmapped ? "warning-text" : "muted"} role="status">
            {unmapped ? t("mappings.unmappedCount", { count: unmapped }) : t("mappings.allMapped")}
          </p>
          {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
          <table className="list mapping">
            <thead>
              <tr>
                <th scope="col">{t(`mappings.shopValue.${kind}` as TextKey)}</th>
                {kind === "payments" && <th scope="col">{t("mappings.orders")}</th>}
                <th scope="col">{hubLabel}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const isUnmapped = !choices[row.value];
                return (
                  <tr key={row.value} className={isUnmapped ? "unmapped" : undefined}>
                    <th scope="row" data-label={t(`mappings.shopValue.${kind}` as TextKey)}>
                      {row.name}
                      {row.name !== row.value && <span className="muted small"> ({row.value})</span>}
                      {row.inactive && <span className="badge badge-muted">{t("mappings.inactive")}</span>}
                      {isUnmapped && <span className="badge badge-warning">{t("mappings.unmapped")}</span>}
                    </th>
                    {kind === "payments" && <td data-label={t("mappings.orders")}>{row.orders ?? 0}</td>}
                    <td data-label={hubLabel}>
                      <SelectField
                        label={t("mappings.selectFor", { hub: hubLabel, shop: row.name })}
                        hideLabel
                        value={choices[row.value] ?? ""}
                        placeholder={t("mappings.choose")}
                        options={options}
                        onChange={(value) => setChoices((old) => ({ ...old, [row.value]: value }))}
                        error={rowError(row.value)}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <SaveBar busy={submission.busy} done={submission.done} />
        </form>
      )}
      {!discovering && discovery.data && <RefreshDiscovery accountId={account.id} onStarted={reloadAccount} />}
      {rows.length > 0 && <AddEntry kind={kind} onAdded={() => (entries.reload(), changed())} />}
      <SectionLog accountId={account.id} section="mappings" version={version} />
    </section>
  );
}

/** Adds an entry to the hub's dictionary without leaving the mapping. */
function AddEntry({ kind, onAdded }: { kind: MappingKind; onAdded: () => void }) {
  const { t } = useT();
  const { api } = useApp();
  const [name, setName] = useState("");
  const submission = useSubmit();
  const add = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await submission.run(async () => {
      const entry = await call(addEntry(api, kind, name.trim()), t("common.networkError"));
      return t("mappings.added", { name: entry.name });
    });
    if (ok) {
      setName("");
      onAdded();
    }
  };
  return (
    <form onSubmit={add} className="inline-form" noValidate>
      <TextField
        label={t(`mappings.add.${kind}` as TextKey)}
        value={name}
        onChange={setName}
        error={submission.error?.forField("name") ?? submission.error?.message}
      />
      <button type="submit" className="secondary" disabled={submission.busy}>
        {t("mappings.addButton")}
      </button>
      {submission.done && (
        <span className="saved" role="status">
          {submission.done}
        </span>
      )}
    </form>
  );
}

/** Reads the shop's configuration again (a new payment module, carrier or state in the shop). */
function RefreshDiscovery({ accountId, onStarted }: { accountId: string; onStarted: () => void }) {
  const { t } = useT();
  const { api } = useApp();
  const submission = useSubmit();
  const refresh = async () => {
    const ok = await submission.run(async () => {
      await call(
        api.POST("/accounts/{id}/discovery", { params: { path: { id: accountId } } }),
        t("common.networkError"),
      );
      return undefined;
    });
    if (ok) onStarted();
  };
  return (
    <p className="actions">
      <button type="button" className="secondary" onClick={() => void refresh()} disabled={submission.busy}>
        {t("discovery.refresh")}
      </button>
      {submission.error && <span className="field-error">{submission.error.message}</span>}
    </p>
  );
}
