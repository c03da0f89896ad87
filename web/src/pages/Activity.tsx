import { call } from "../api/client";
import { useApp } from "../app-context";
import { useLoad } from "../hooks";
import { formatDate, useT, type TextKey } from "../i18n";
import { EmptyState, Loading, PageTitle, Problem } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

export function ImportsSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const imports = useLoad(
    () =>
      call(
        api.GET("/accounts/{id}/imports", { params: { path: { id: account.id }, query: { limit: 50 } } }),
        t("common.networkError"),
      ),
    [api, account.id, language],
  );
  const items = imports.data?.items ?? [];
  return (
    <section>
      <PageTitle focus={false}>{t("section.imports")}</PageTitle>
      <Problem error={imports.error} onRetry={imports.reload} />
      {imports.loading && !imports.data && <Loading />}
      {imports.data && items.length === 0 && <EmptyState>{t("imports.empty", { id: account.id })}</EmptyState>}
      {items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("imports.mode")}</th>
              <th scope="col">{t("imports.when")}</th>
              <th scope="col">{t("imports.status")}</th>
              <th scope="col">{t("imports.counters")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((job) => (
              <tr key={job.id}>
                <td data-label={t("imports.mode")}>{t(`imports.mode.${job.mode}` as TextKey)}</td>
                <td data-label={t("imports.when")}>{formatDate(job.created_at, language)}</td>
                <td data-label={t("imports.status")}>
                  {job.status} · {job.percent}%
                </td>
                <td data-label={t("imports.counters")} className="small">
                  {job.processed}/{job.total} · +{job.created} · ⇄{job.linked} · ↷{job.skipped} · ✕{job.failed}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <SectionLog accountId={account.id} section="imports" />
    </section>
  );
}

export function ReportsSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const reports = useLoad(
    () =>
      call(
        api.GET("/accounts/{id}/reports", { params: { path: { id: account.id }, query: { limit: 50 } } }),
        t("common.networkError"),
      ),
    [api, account.id, language],
  );
  const items = reports.data?.items ?? [];
  return (
    <section>
      <PageTitle focus={false}>{t("section.reports")}</PageTitle>
      <Problem error={reports.error} onRetry={reports.reload} />
      {reports.loading && !reports.data && <Loading />}
      {reports.data && items.length === 0 && <EmptyState>{t("reports.empty")}</EmptyState>}
      {items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("reports.type")}</th>
              <th scope="col">{t("reports.when")}</th>
              <th scope="col">{t("reports.summary")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((report) => (
              <tr key={report.id}>
                <td data-label={t("reports.type")}>{t(`reports.type.${report.type}` as TextKey)}</td>
                <td data-label={t("reports.when")}>{formatDate(report.at, language)}</td>
                <td data-label={t("reports.summary")} className="small">
                  {Object.entries(report.summary)
                    .map(([name, count]) => `${name}: ${count}`)
                    .join(" · ")}
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
