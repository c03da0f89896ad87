import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { call } from "../api/client";
import { useApp } from "../app-context";
import { useLoad } from "../hooks";
import { formatDate, useT, type TextKey } from "../i18n";
import { Counters, EmptyState, Loading, NotYet, PageTitle, Problem, SelectField } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

type ReportType = "stock" | "import";

/** Sync reports, newest first; the eye button opens one. */
export function ReportsSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const navigate = useNavigate();
  const [type, setType] = useState<ReportType | "">("");
  const reports = useLoad(
    () =>
      call(
        api.GET("/accounts/{id}/reports", {
          params: { path: { id: account.id }, query: { limit: 50, ...(type ? { type } : {}) } },
        }),
        t("common.networkError"),
      ),
    [api, account.id, language, type],
  );
  const items = reports.data?.items ?? [];
  return (
    <section>
      <PageTitle focus={false}>{t("section.reports")}</PageTitle>
      <div className="toolbar">
        <SelectField
          label={t("reports.type")}
          value={type}
          placeholder={t("reports.all")}
          options={(["stock", "import"] as const).map((value) => ({ value, label: t(`reports.type.${value}`) }))}
          onChange={(value) => setType(value === "stock" || value === "import" ? value : "")}
        />
        <button type="button" className="secondary" onClick={reports.reload}>
          {t("reports.refresh")}
        </button>
      </div>
      <Problem error={reports.error} onRetry={reports.reload} />
      {reports.loading && !reports.data && <Loading />}
      {reports.data && items.length === 0 && <EmptyState>{t("reports.empty")}</EmptyState>}
      {items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("reports.type")}</th>
              <th scope="col">{t("reports.when")}</th>
              <th scope="col" className="num">
                {t("reports.ok")}
              </th>
              <th scope="col" className="num">
                {t("reports.failed")}
              </th>
              <th scope="col">{t("reports.summary")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("reports.open")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((report) => (
              <tr key={report.id} className={report.failed ? "has-failures" : undefined}>
                <td data-label={t("reports.type")}>{t(`reports.type.${report.type}` as TextKey)}</td>
                <td data-label={t("reports.when")}>{formatDate(report.at, language)}</td>
                <td data-label={t("reports.ok")} className="num">
                  {report.ok}
                </td>
                <td data-label={t("reports.failed")} className="num">
                  {report.failed ? <span className="badge badge-error">{report.failed}</span> : 0}
                </td>
                <td data-label={t("reports.summary")} className="small">
                  {Object.entries(report.summary)
                    .map(([name, count]) => `${summaryName(name, t)}: ${count}`)
                    .join(" · ")}
                </td>
                <td>
                  <button
                    type="button"
                    className="secondary icon-button"
                    aria-label={t("reports.open")}
                    title={t("reports.open")}
                    onClick={() => navigate(report.id)}
                  >
                    <span aria-hidden="true">👁</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <SectionLog accountId={account.id} section="reports" />
    </section>
  );
}

function summaryName(name: string, t: (key: TextKey) => string): string {
  const key = `reports.outcome.${name}`;
  return key in OUTCOME_KEYS ? t(key as TextKey) : name;
}

const OUTCOME_KEYS: Record<string, true> = Object.fromEntries(
  ["ok", "failed", "unchanged", "skipped", "shop_requests", "imported", "linked", "created", "aborted"].map((name) => [
    `reports.outcome.${name}`,
    true,
  ]),
);

/** One report: what was sent to which shop rows, what failed and why. */
export function ReportPage() {
  const { reportId = "" } = useParams();
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const [outcome, setOutcome] = useState("");
  const report = useLoad(
    () =>
      call(
        api.GET("/accounts/{id}/reports/{rid}", { params: { path: { id: account.id, rid: reportId } } }),
        t("common.networkError"),
      ),
    [api, account.id, reportId, language],
  );
  const data = report.data;
  if (!data) {
    return <NotYet state={report} />;
  }
  const outcomes = [...new Set(data.entries.map((entry) => entry.outcome))].sort();
  const entries = data.entries.filter((entry) => !outcome || entry.outcome === outcome);
  return (
    <section>
      <p className="crumbs">
        <Link to="..">{t("section.reports")}</Link>
      </p>
      <PageTitle>{`${t("reports.report")}: ${t(`reports.type.${data.type}` as TextKey)}`}</PageTitle>
      <p className="muted">
        {formatDate(data.at, language)}
        {data.source_id && data.type === "import" && (
          <>
            {" · "}
            <Link to={`../../imports/${data.source_id}`}>{t("reports.openImport")}</Link>
          </>
        )}
      </p>
      <Counters items={Object.entries(data.summary).map(([name, count]) => [summaryName(name, t), count])} />
      <div className="toolbar">
        <SelectField
          label={t("reports.outcome")}
          value={outcome}
          placeholder={t("reports.allOutcomes")}
          options={outcomes.map((value) => ({ value, label: summaryName(value, t) }))}
          onChange={setOutcome}
        />
      </div>
      {entries.length === 0 ? (
        <EmptyState>{t("reports.noEntries")}</EmptyState>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("reports.hubProduct")}</th>
              <th scope="col">{t("reports.shopRow")}</th>
              <th scope="col" className="num">
                {t("reports.old")}
              </th>
              <th scope="col" className="num">
                {t("reports.new")}
              </th>
              <th scope="col">{t("reports.outcome")}</th>
              <th scope="col">{t("reports.message")}</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry, index) => (
              <tr key={index} className={entry.outcome === "failed" ? "has-failures" : undefined}>
                <td data-label={t("reports.hubProduct")}>
                  {entry.hub_product_id ? (
                    <Link to={`/products/${entry.hub_product_id}`}>{entry.hub_product_id}</Link>
                  ) : (
                    ""
                  )}
                </td>
                <td data-label={t("reports.shopRow")}>
                  {entry.shop_product_id ?? ""}
                  {entry.shop_combination_id ? ` / ${entry.shop_combination_id}` : ""}
                </td>
                <td data-label={t("reports.old")} className="num">
                  {entry.old ?? "—"}
                </td>
                <td data-label={t("reports.new")} className="num">
                  {entry.new ?? "—"}
                </td>
                <td data-label={t("reports.outcome")}>
                  <span className={`badge badge-${entry.outcome === "failed" ? "error" : "ok"}`}>
                    {summaryName(entry.outcome, t)}
                  </span>
                </td>
                <td data-label={t("reports.message")}>{entry.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
