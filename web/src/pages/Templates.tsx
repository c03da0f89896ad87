import { useState, type FormEvent } from "react";
import { call, type Template, type TemplateSync } from "../api/client";
import { useApp } from "../app-context";
import { useLoad, useSubmit } from "../hooks";
import { useT, type TextKey } from "../i18n";
import { EmptyState, Loading, Notice, PageTitle, Problem, SaveBar, Switch, TextField } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

const SYNC_FIELDS: { field: keyof TemplateSync; label: TextKey }[] = [
  { field: "description", label: "templates.description" },
  { field: "shipping_prices", label: "templates.shippingPrices" },
  { field: "price", label: "templates.price" },
  { field: "stock", label: "templates.stock" },
];
const NEW_SYNC: TemplateSync = { description: true, shipping_prices: true, price: true, stock: true };

export function TemplatesSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const network = t("common.networkError");
  const templates = useLoad(
    () => call(api.GET("/accounts/{id}/templates", { params: { path: { id: account.id } } }), network),
    [api, account.id, language],
  );
  const [editing, setEditing] = useState<Template | "new">();
  const [flash, setFlash] = useState<string>();
  const [version, setVersion] = useState(0);
  const changed = (message?: string) => {
    setFlash(message);
    setEditing(undefined);
    templates.reload();
    setVersion((value) => value + 1);
  };
  const items = templates.data?.items ?? [];
  return (
    <section>
      <div className="page-head">
        <PageTitle focus={false}>{t("section.templates")}</PageTitle>
        {editing === undefined && (
          <button type="button" onClick={() => (setFlash(undefined), setEditing("new"))}>
            {t("templates.new")}
          </button>
        )}
      </div>
      <p className="advice">{t("templates.intro")}</p>
      {flash && <Notice kind="success">{flash}</Notice>}
      <Problem error={templates.error} onRetry={templates.reload} />
      {templates.loading && !templates.data && <Loading />}
      {editing !== undefined && (
        <TemplateForm
          template={editing === "new" ? undefined : editing}
          onDone={changed}
          onCancel={() => setEditing(undefined)}
        />
      )}
      {templates.data && items.length === 0 && editing === undefined && (
        <EmptyState>
          <p>{t("templates.empty")}</p>
          <button type="button" onClick={() => setEditing("new")}>
            {t("templates.new")}
          </button>
        </EmptyState>
      )}
      <ul className="cards">
        {items.map((template) => (
          <TemplateCard
            key={template.id}
            template={template}
            onEdit={() => (setFlash(undefined), setEditing(template))}
            onChanged={changed}
            onRefused={() => setVersion((value) => value + 1)}
          />
        ))}
      </ul>
      <SectionLog accountId={account.id} section="templates" version={version} />
    </section>
  );
}

function TemplateCard({
  template,
  onEdit,
  onChanged,
  onRefused,
}: {
  template: Template;
  onEdit: () => void;
  onChanged: (message: string) => void;
  onRefused: () => void;
}) {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const [confirming, setConfirming] = useState(false);
  const submission = useSubmit();
  const path = { params: { path: { id: account.id, tid: template.id } } };
  const act = async (action: () => Promise<string>) => {
    const ok = await submission.run(action);
    if (!ok) onRefused();
    setConfirming(false);
  };
  const makeDefault = () =>
    act(async () => {
      await call(api.POST("/accounts/{id}/templates/{tid}/default", path), t("common.networkError"));
      const message = t("templates.madeDefault", { name: template.name });
      onChanged(message);
      return message;
    });
  const remove = () =>
    act(async () => {
      await call(api.DELETE("/accounts/{id}/templates/{tid}", path), t("common.networkError"));
      const message = t("templates.deleted", { name: template.name });
      onChanged(message);
      return message;
    });
  const syncs = SYNC_FIELDS.filter(({ field }) => template.sync[field]).map(({ label }) => t(label));
  return (
    <li className="card template" aria-label={template.name}>
      <div className="template-head">
        <h2>{template.name}</h2>
        {template.default && <span className="badge badge-ok">{t("templates.default")}</span>}
      </div>
      <p className="muted">
        {t("templates.syncs")}: {syncs.length ? syncs.join(", ") : t("common.none")} ·{" "}
        {t("templates.offers", { count: template.offer_count })}
      </p>
      {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
      {confirming ? (
        <div className="confirm" role="group" aria-label={t("templates.confirmDelete", { name: template.name })}>
          <p>{t("templates.confirmDelete", { name: template.name })}</p>
          <button type="button" className="danger" onClick={() => void remove()} disabled={submission.busy}>
            {t("common.delete")}
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            {t("common.cancel")}
          </button>
        </div>
      ) : (
        <div className="actions">
          <button type="button" className="secondary" onClick={onEdit}>
            {t("common.edit")}
          </button>
          {!template.default && (
            <button type="button" className="secondary" onClick={() => void makeDefault()} disabled={submission.busy}>
              {t("templates.makeDefault")}
            </button>
          )}
          <button
            type="button"
            className="secondary danger-text"
            onClick={() => (submission.clear(), setConfirming(true))}
          >
            {t("common.delete")}
          </button>
        </div>
      )}
    </li>
  );
}

function TemplateForm({
  template,
  onDone,
  onCancel,
}: {
  template: Template | undefined;
  onDone: (message: string) => void;
  onCancel: () => void;
}) {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const [name, setName] = useState(template?.name ?? "");
  const [sync, setSync] = useState<TemplateSync>(template?.sync ?? NEW_SYNC);
  const submission = useSubmit();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    const body = { name: name.trim(), sync };
    await submission.run(async () => {
      const network = t("common.networkError");
      if (template) {
        await call(
          api.PUT("/accounts/{id}/templates/{tid}", { params: { path: { id: account.id, tid: template.id } }, body }),
          network,
        );
      } else {
        await call(api.POST("/accounts/{id}/templates", { params: { path: { id: account.id } }, body }), network);
      }
      onDone(t("common.saved"));
      return undefined;
    });
  };
  const title = template ? t("templates.editTitle", { name: template.name }) : t("templates.new");
  return (
    <form onSubmit={save} className="card form" aria-label={title} noValidate>
      <h2>{title}</h2>
      {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
      <TextField
        label={t("templates.name")}
        value={name}
        onChange={setName}
        error={submission.error?.forField("name")}
        required
      />
      <fieldset>
        <legend>{t("templates.syncs")}</legend>
        {SYNC_FIELDS.map(({ field, label }) => (
          <Switch
            key={field}
            label={t(label)}
            checked={sync[field]}
            onChange={(on) => setSync({ ...sync, [field]: on })}
          />
        ))}
      </fieldset>
      <div className="actions">
        <SaveBar busy={submission.busy} label={template ? t("common.save") : t("templates.create")} />
        <button type="button" className="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
