import { NavLink, Navigate, Outlet, useOutletContext, useParams } from "react-router-dom";
import { call, type Account } from "../api/client";
import { useApp } from "../app-context";
import { useInterval, useLoad } from "../hooks";
import { formatDate, useT, type TextKey } from "../i18n";
import { NotYet, Notice, PageTitle } from "../ui";
import { FetchOrdersButton } from "./Orders";

export interface AccountContext {
  account: Account;
  reloadAccount: () => void;
  /** True while the shop's configuration is being read: mapping pages wait and then fill in. */
  discovering: boolean;
}

export function useAccount(): AccountContext {
  return useOutletContext<AccountContext>();
}

export const SECTIONS: { path: string; label: TextKey }[] = [
  { path: "mappings/payments", label: "section.payments" },
  { path: "mappings/carriers", label: "section.carriers" },
  { path: "mappings/statuses", label: "section.statuses" },
  { path: "order-settings", label: "section.orderSettings" },
  { path: "field-mapping", label: "section.fieldMapping" },
  { path: "templates", label: "section.templates" },
  { path: "imports", label: "section.imports" },
  { path: "reports", label: "section.reports" },
  { path: "logs", label: "section.logs" },
  { path: "settings", label: "section.account" },
];

export function StatusBadge({ account }: { account: Account }) {
  const { t } = useT();
  const known = ["connected", "error", "deleted"].includes(account.status);
  const label = known ? t(`status.${account.status}` as TextKey) : account.status;
  return <span className={`badge badge-${account.status}`}>{label}</span>;
}

export function AccountPage() {
  const { accountId = "" } = useParams();
  const { t, language } = useT();
  const { api } = useApp();
  const loaded = useLoad(
    () => call(api.GET("/accounts/{id}", { params: { path: { id: accountId } } }), t("common.networkError")),
    [api, accountId, language],
  );
  const account = loaded.data;
  const discovering = account ? ["pending", "running"].includes(account.discovery.status) : false;
  useInterval(loaded.reload, 1000, discovering);

  if (!account) {
    return <NotYet state={loaded} />;
  }
  const context: AccountContext = { account, reloadAccount: loaded.reload, discovering };
  return (
    <div className="account">
      <header className="account-head">
        <p className="crumbs">
          <NavLink to="/integrations/prestashop" end>
            {t("account.back")}
          </NavLink>
        </p>
        <div className="account-title">
          <PageTitle focus={false}>{account.name}</PageTitle>
          <StatusBadge account={account} />
        </div>
        <p className="muted break">
          {account.shop_url}
          {account.connection.shop_version && ` · PrestaShop ${account.connection.shop_version}`}
          {` · ${t("accounts.lastFetch")}: `}
          {account.last_poll_at ? formatDate(account.last_poll_at, language) : t("common.never")}
        </p>
        <FetchOrdersButton account={account} onQueued={loaded.reload} />
        {!account.connection.ok && <Notice kind="error">{account.connection.message}</Notice>}
        {discovering && <Notice kind="info">{t("discovery.running")}</Notice>}
        <BreakerNotices account={account} />
        {account.discovery.status === "failed" && (
          <Notice kind="error">
            {t("discovery.failed")} {account.discovery.message}
          </Notice>
        )}
      </header>
      <div className="account-body">
        <nav aria-label={t("account.sections")} className="sections">
          <ul>
            {SECTIONS.map((section) => (
              <li key={section.path}>
                <NavLink to={section.path}>{t(section.label)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="section-body">
          <Outlet context={context} />
        </div>
      </div>
    </div>
  );
}

/** Stock pushes or order polls the shop's circuit breaker holds back, and until when. */
function BreakerNotices({ account }: { account: Account }) {
  const { t, language } = useT();
  const notices: [string, TextKey, NonNullable<Account["stock_push"]>][] = [];
  if (account.stock_push) {
    const parked = account.stock_push.state === "parked";
    notices.push(["stock", parked ? "breaker.stockParked" : "breaker.stockFailing", account.stock_push]);
  }
  if (account.order_poll) {
    const parked = account.order_poll.state === "parked";
    notices.push(["orders", parked ? "breaker.ordersParked" : "breaker.ordersFailing", account.order_poll]);
  }
  return (
    <>
      {notices.map(([name, key, state]) => (
        <Notice key={name} kind="warning">
          {t(key, { until: formatDate(state.parked_until, language), failures: state.failures })}
        </Notice>
      ))}
    </>
  );
}

/** The account's first screen: the first section that still needs the merchant. */
export function AccountHome() {
  return <Navigate to="mappings/payments" replace />;
}
