import { useState } from "react";
import { Link, useParams } from "react-router-dom";
import { call, type ImportItem } from "../api/client";
import { useApp } from "../app-context";
import { useInterval, useLoad, usePaged, useSubmit } from "../hooks";
import { formatDate, useT, type TextKey } from "../i18n";
import { Counters, EmptyState, Loading, NotYet, Notice, PageTitle, Problem, ProgressBar, SelectField } from "../ui";
import { useAccount } from "./AccountPage";
import { ImportStatus } from "./Imports";

const RUNNING = ["preparing", "importing"];
const ITEM_STATUSES = ["imported", "linked", "skipped", "failed", "aborted", "prepared"] as const;
type ItemStatus = (typeof ITEM_STATUSES)[number];
const FILE_KINDS = ["stock", "product_list", "sql_manager", "product_import", "combination_import"];

/** One import: a live progress bar while it runs (the API polled every second), then its items. */
export function ImportRun() {
  const { importId = "" } = useParams();
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const path = { params: { path: { id: account.id, iid: importId } } };
  const run = useLoad(
    () => call(api.GET("/accounts/{id}/imports/{iid}", path), t("common.networkError")),
    [api, account.id, importId, language],
  );
  const job = run.data;
  const running = job ? RUNNING.includes(job.status) : false;
  useInterval(run.reload, 1000, running);
  const abort = useSubmit();
  const stop = () =>
    abort.run(async () => {
      await call(api.POST("/accounts/{id}/imports/{iid}/abort", path), t("common.networkError"));
      run.reload();
      return undefined;
    });

  if (!job) {
    return <NotYet state={run} />;
  }
  const stage = job.stage <= 1 ? t("imports.stage1") : t("imports.stage2");
  return (
    <section>
      <p className="crumbs">
        <Link to="..">{t("section.imports")}</Link>
      </p>
      <PageTitle focus={false}>{t(`imports.mode.${job.mode}` as TextKey)}</PageTitle>
      <p className="muted">
        {formatDate(job.created_at, language)} · <ImportStatus status={job.status} />
        {running && ` · ${t("imports.stageLabel")}: ${stage}`}
      </p>
      <div className="card">
        <ProgressBar value={job.percent} label={t("imports.progress")} />
        {running && <p role="status">{stage}</p>}
        <Counters
          items={[
            [t("imports.total"), job.total],
            [t("imports.processed"), job.processed],
            [t("imports.created"), job.created],
            [t("imports.linked"), job.linked],
            [t("imports.skipped"), job.skipped],
            [t("imports.failed"), job.failed],
          ]}
        />
        {job.file && (
          <p className="muted">
            {t("imports.fileSummary", {
              kind: FILE_KINDS.includes(job.file.kind)
                ? t(`imports.fileKind.${job.file.kind}` as TextKey)
                : job.file.kind,
              lines: job.file.lines,
              blank: job.file.blank,
              refused: job.lines_refused ?? 0,
            })}
          </p>
        )}
        {job.reason && <Notice kind={job.status === "failed" ? "error" : "info"}>{job.reason}</Notice>}
        {abort.error && <Notice kind="error">{abort.error.message}</Notice>}
        {running && (
          <button type="button" className="danger" onClick={() => void stop()} disabled={abort.busy}>
            {t("imports.abort")}
          </button>
        )}
      </div>
      {job.file && (job.lines_refused ?? 0) > 0 && <Refusals importId={job.id} />}
      {!running && <ImportItems importId={job.id} />}
    </section>
  );
}

function ImportItems({ importId }: { importId: string }) {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const [status, setStatus] = useState<ItemStatus | "">("");
  const items = usePaged(
    (cursor?: string) =>
      call(
        api.GET("/accounts/{id}/imports/{iid}/items", {
          params: {
            path: { id: account.id, iid: importId },
            query: { limit: 100, ...(status ? { status } : {}), ...(cursor ? { next: cursor } : {}) },
          },
        }),
        t("common.networkError"),
      ),
    [api, importId, status, language],
  );
  return (
    <section>
      <h2>{t("imports.items")}</h2>
      <div className="toolbar">
        <SelectField
          label={t("imports.itemFilter")}
          value={status}
          placeholder={t("imports.itemAll")}
          options={ITEM_STATUSES.map((value) => ({ value, label: t(`imports.item.${value}` as TextKey) }))}
          onChange={(value) => setStatus(ITEM_STATUSES.find((known) => known === value) ?? "")}
        />
      </div>
      <Problem error={items.error} onRetry={items.reload} />
      {!items.loaded && <Loading />}
      {items.loaded && items.items.length === 0 && <EmptyState>{t("imports.noItems")}</EmptyState>}
      {items.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("imports.itemName")}</th>
              <th scope="col">{t("imports.itemShop")}</th>
              <th scope="col">{t("imports.status")}</th>
              <th scope="col">{t("imports.itemHub")}</th>
              <th scope="col">{t("imports.itemReason")}</th>
            </tr>
          </thead>
          <tbody>
            {items.items.map((item: ImportItem) => (
              <tr key={`${item.shop_product_id}-${item.shop_combination_id ?? 0}`} className={`item-${item.status}`}>
                <td data-label={t("imports.itemName")}>{item.name}</td>
                <td data-label={t("imports.itemShop")}>
                  {item.shop_product_id}
                  {item.shop_combination_id ? ` / ${item.shop_combination_id}` : ""}
                </td>
                <td data-label={t("imports.status")}>
                  <span className={`badge badge-item-${item.status}`}>
                    {t(`imports.item.${item.status}` as TextKey)}
                  </span>
                </td>
                <td data-label={t("imports.itemHub")}>
                  {item.hub_product_id ? (
                    <Link to={`/products/${item.hub_product_id}`}>{item.hub_product_id}</Link>
                  ) : (
                    ""
                  )}
                </td>
                <td data-label={t("imports.itemReason")}>{item.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items.hasMore && (
        <button type="button" className="secondary" onClick={items.more} disabled={items.busy}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}

/** The lines of a file import's file that were not used, with their reasons, in file order. */
function Refusals({ importId }: { importId: string }) {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const refusals = usePaged(
    (cursor?: string) =>
      call(
        api.GET("/accounts/{id}/imports/{iid}/refusals", {
          params: {
            path: { id: account.id, iid: importId },
            query: { limit: 100, ...(cursor ? { next: cursor } : {}) },
          },
        }),
        t("common.networkError"),
      ),
    [api, importId, language],
  );
  return (
    <section>
      <h2>{t("imports.refusals")}</h2>
      <Problem error={refusals.error} onRetry={refusals.reload} />
      {!refusals.loaded && <Loading />}
      {refusals.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("imports.refusalLine")}</th>
              <th scope="col">{t("imports.refusalReason")}</th>
            </tr>
          </thead>
          <tbody>
            {refusals.items.map((refusal) => (
              <tr key={refusal.line}>
                <td data-label={t("imports.refusalLine")}>{refusal.line}</td>
                <td data-label={t("imports.refusalReason")}>{refusal.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {refusals.hasMore && (
        <button type="button" className="secondary" onClick={refusals.more} disabled={refusals.busy}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}
