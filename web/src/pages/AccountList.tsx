import { Link, useLocation } from "react-router-dom";
import { call, type Account } from "../api/client";
import { useApp } from "../app-context";
import { useLoad } from "../hooks";
import { formatDate, useT } from "../i18n";
import { EmptyState, Loading, Notice, PageTitle, Problem } from "../ui";
import { StatusBadge } from "./AccountPage";

export function AccountList() {
  const { t, language } = useT();
  const { api } = useApp();
  const location = useLocation();
  const flash = (location.state as { flash?: string } | null)?.flash;
  const accounts = useLoad(
    () => call(api.GET("/accounts", { params: { query: { limit: 100 } } }), t("common.networkError")),
    [api, language],
  );
  const items: Account[] = accounts.data?.items ?? [];
  return (
    <section>
      <div className="page-head">
        <PageTitle>{t("accounts.title")}</PageTitle>
        <Link className="button" to="/integrations/prestashop/new">
          {t("accounts.add")}
        </Link>
      </div>
      {flash && <Notice kind="success">{flash}</Notice>}
      <Problem error={accounts.error} onRetry={accounts.reload} />
      {accounts.loading && !accounts.data && <Loading />}
      {accounts.data && items.length === 0 && (
        <EmptyState>
          <p>{t("accounts.empty")}</p>
          <Link className="button" to="/integrations/prestashop/new">
            {t("accounts.add")}
          </Link>
        </EmptyState>
      )}
      {items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("accounts.name")}</th>
              <th scope="col">{t("accounts.shopUrl")}</th>
              <th scope="col">{t("accounts.status")}</th>
              <th scope="col">{t("accounts.lastFetch")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((account) => (
              <tr key={account.id}>
                <td data-label={t("accounts.name")}>
                  <Link to={`/integrations/prestashop/${account.id}`}>{account.name}</Link>
                </td>
                <td data-label={t("accounts.shopUrl")} className="break">
                  {account.shop_url}
                </td>
                <td data-label={t("accounts.status")}>
                  <StatusBadge account={account} />
                </td>
                <td data-label={t("accounts.lastFetch")}>
                  {account.last_poll_at ? formatDate(account.last_poll_at, language) : t("common.never")}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
