import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { call, type Account, type Order } from "../api/client";
import { useApp } from "../app-context";
import { useInterval, useLoad, usePaged, useSubmit } from "../hooks";
import { formatDate, TEXTS, useT, type TextKey } from "../i18n";
import { EmptyState, Loading, NotYet, Notice, PageTitle, Problem, SaveBar, SelectField, TextField } from "../ui";

type DocumentType = "invoice" | "correction" | "receipt" | "proforma";
const DOCUMENT_TYPES: DocumentType[] = ["invoice", "correction", "receipt", "proforma"];

/** Names of the hub's statuses and the tenant's accounts, for lists that carry only ids. */
function useNames() {
  const { t } = useT();
  const { api } = useApp();
  const network = t("common.networkError");
  const accounts = useLoad(() => call(api.GET("/accounts", { params: { query: { limit: 100 } } }), network), [api]);
  const statuses = useLoad(() => call(api.GET("/hub/statuses"), network), [api]);
  const accountName = (id: string) => accounts.data?.items.find((account) => account.id === id)?.name ?? id;
  const statusName = (id: string | null) =>
    (id && statuses.data?.items.find((status) => status.id === id)?.name) ?? id ?? "";
  return { accounts: accounts.data?.items ?? [], accountName, statusName };
}

function money(amount: string, currency: string | null | undefined, language: string): string {
  const value = Number(amount);
  if (Number.isNaN(value)) return `${amount} ${currency ?? ""}`.trim();
  const locale = language === "pl" ? "pl-PL" : "en-GB";
  return currency
    ? value.toLocaleString(locale, { style: "currency", currency })
    : value.toLocaleString(locale, { minimumFractionDigits: 2 });
}

function OrderFlags({ order }: { order: Order }) {
  const { t } = useT();
  const kinds = [...new Set(order.unmapped.map((entry) => entry.kind))];
  return (
    <>
      {kinds.map((kind) => (
        <span key={kind} className="badge badge-warning">
          {t(`orders.unmapped.${kind}` as TextKey)}
        </span>
      ))}
      {order.drift && <span className="badge badge-error">{t("orders.drift")}</span>}
      {order.frozen && <span className="badge">{t("orders.frozen")}</span>}
      {order.account_deleted && <span className="badge">{t("orders.accountDeleted")}</span>}
    </>
  );
}

/** Asks the shop for new and changed orders now (queued; the list fills in as they land). */
export function FetchOrdersButton({ account, onQueued }: { account: Account; onQueued?: () => void }) {
  const { t } = useT();
  const { api } = useApp();
  const submission = useSubmit();
  const fetchNow = () =>
    submission.run(async () => {
      await call(
        api.POST("/accounts/{id}/orders/fetch", { params: { path: { id: account.id } } }),
        t("common.networkError"),
      );
      onQueued?.();
      return t("orders.fetchQueued");
    });
  return (
    <span className="actions">
      <button type="button" className="secondary" onClick={() => void fetchNow()} disabled={submission.busy}>
        {t("orders.fetchNow")}
      </button>
      {submission.done && (
        <span className="saved" role="status">
          {submission.done}
        </span>
      )}
      {submission.error && (
        <span className="field-error" role="alert">
          {submission.error.message}
        </span>
      )}
    </span>
  );
}

export function OrderList() {
  const { t, language } = useT();
  const { api } = useApp();
  const names = useNames();
  const [accountId, setAccountId] = useState("");
  const orders = usePaged(
    (cursor?: string) =>
      call(
        api.GET("/orders", {
          params: {
            query: { limit: 50, ...(accountId ? { account_id: accountId } : {}), ...(cursor ? { next: cursor } : {}) },
          },
        }),
        t("common.networkError"),
      ),
    [api, accountId, language],
  );
  const [watching, setWatching] = useState(0);
  useInterval(
    () => {
      orders.reload();
      setWatching((left) => left - 1);
    },
    2000,
    watching > 0,
  );
  const chosen = names.accounts.find((account) => account.id === accountId);
  return (
    <section>
      <PageTitle>{t("orders.title")}</PageTitle>
      <div className="toolbar">
        <SelectField
          label={t("orders.account")}
          value={accountId}
          placeholder={t("orders.allAccounts")}
          options={names.accounts.map((account) => ({ value: account.id, label: account.name }))}
          onChange={setAccountId}
        />
        {chosen && <FetchOrdersButton account={chosen} onQueued={() => setWatching(10)} />}
      </div>
      <Problem error={orders.error} onRetry={orders.reload} />
      {!orders.loaded && <Loading />}
      {orders.loaded && orders.items.length === 0 && <EmptyState>{t("orders.empty")}</EmptyState>}
      {orders.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("orders.shop")}</th>
              <th scope="col">{t("orders.reference")}</th>
              <th scope="col">{t("orders.date")}</th>
              <th scope="col">{t("orders.status")}</th>
              <th scope="col" className="num">
                {t("orders.amount")}
              </th>
              <th scope="col">{t("orders.flags")}</th>
            </tr>
          </thead>
          <tbody>
            {orders.items.map((order) => (
              <tr key={order.id}>
                <td data-label={t("orders.shop")}>{names.accountName(order.account_id)}</td>
                <td data-label={t("orders.reference")}>
                  <Link to={`/orders/${order.id}`}>{order.reference || `#${order.shop_order_id}`}</Link>
                  <span className="muted small"> #{order.shop_order_id}</span>
                </td>
                <td data-label={t("orders.date")}>{formatDate(order.created_at ?? order.imported_at, language)}</td>
                <td data-label={t("orders.status")}>{names.statusName(order.status)}</td>
                <td data-label={t("orders.amount")} className="num">
                  {money(order.totals.paid_gross, order.totals.currency, language)}
                </td>
                <td data-label={t("orders.flags")}>
                  <OrderFlags order={order} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {orders.hasMore && (
        <button type="button" className="secondary" onClick={orders.more} disabled={orders.busy}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}

function Fields({ value }: { value: Record<string, unknown> | null | undefined }) {
  const { t } = useT();
  if (!value) return <p className="muted">{t("common.none")}</p>;
  const lines = Object.entries(value).filter(([, item]) => item !== null && item !== "" && item !== undefined);
  return (
    <dl className="details">
      {lines.map(([name, item]) => (
        <div key={name}>
          <dt>{`field.${name}` in TEXTS.pl ? t(`field.${name}` as TextKey) : name}</dt>
          <dd>{String(item)}</dd>
        </div>
      ))}
    </dl>
  );
}

function SyncBadge({ state, problem }: { state: string; problem: string | null }) {
  const { t } = useT();
  const known = ["pending", "sent", "unchanged", "not_sent", "failed"].includes(state);
  const tone = state === "sent" || state === "unchanged" ? "ok" : state === "failed" ? "error" : "warning";
  return (
    <>
      <span className={`badge badge-${tone}`}>{known ? t(`orders.sync.${state}` as TextKey) : state}</span>
      {problem && <span className="small"> {problem}</span>}
    </>
  );
}

export function OrderPage() {
  const { orderId = "" } = useParams();
  const { t, language } = useT();
  const { api } = useApp();
  const names = useNames();
  const loaded = useLoad(
    () => call(api.GET("/orders/{oid}", { params: { path: { oid: orderId } } }), t("common.networkError")),
    [api, orderId, language],
  );
  const order = loaded.data;
  const pending =
    order !== undefined && [...order.tracking_numbers, ...order.documents].some((item) => item.shop_sync === "pending");
  useInterval(loaded.reload, 1000, pending);
  if (!order) {
    return <NotYet state={loaded} />;
  }
  const currency = order.totals.currency;
  return (
    <section>
      <p className="crumbs">
        <Link to="/orders">{t("orders.title")}</Link>
      </p>
      <PageTitle>{`${t("orders.order")} ${order.reference || `#${order.shop_order_id}`}`}</PageTitle>
      <p className="muted">
        {names.accountName(order.account_id)} · #{order.shop_order_id} ·{" "}
        {formatDate(order.created_at ?? order.imported_at, language)} · {names.statusName(order.status)}{" "}
        <OrderFlags order={order} />
      </p>
      {order.drift && <Notice kind="warning">{t("orders.driftHelp")}</Notice>}
      <h2>{t("orders.lines")}</h2>
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t("orders.product")}</th>
            <th scope="col">{t("orders.identifiers")}</th>
            <th scope="col" className="num">
              {t("orders.quantity")}
            </th>
            <th scope="col" className="num">
              {t("orders.unitPrice")}
            </th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr key={`${line.shop_product_id}-${line.shop_combination_id}`}>
              <td data-label={t("orders.product")}>
                {line.hub_product_id ? <Link to={`/products/${line.hub_product_id}`}>{line.name}</Link> : line.name}
                {!line.hub_product_id && <span className="badge badge-warning">{t("orders.notLinked")}</span>}
              </td>
              <td data-label={t("orders.identifiers")} className="small">
                {[line.symbol, line.ean].filter(Boolean).join(" · ")}
              </td>
              <td data-label={t("orders.quantity")} className="num">
                {line.quantity}
              </td>
              <td data-label={t("orders.unitPrice")} className="num">
                {money(line.unit_price_gross, currency, language)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="panels">
        <section className="card">
          <h2>{t("orders.customer")}</h2>
          <Fields value={order.customer} />
        </section>
        <section className="card">
          <h2>{t("orders.delivery")}</h2>
          <Fields value={order.delivery_address} />
        </section>
        <section className="card">
          <h2>{t("orders.invoice")}</h2>
          <Fields value={order.invoice_address} />
        </section>
        <section className="card">
          <h2>{t("orders.totals")}</h2>
          <dl className="details">
            {(
              [
                ["orders.productsGross", order.totals.products_gross],
                ["orders.shippingGross", order.totals.shipping_gross],
                ["orders.discountsGross", order.totals.discounts_gross],
                ["orders.paidGross", order.totals.paid_gross],
                ["orders.paidNet", order.totals.paid_net],
              ] as [TextKey, string][]
            ).map(([label, amount]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd>{money(amount, currency, language)}</dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
      <h2>{t("orders.history")}</h2>
      {order.status_history.length === 0 ? (
        <p className="muted">{t("orders.noHistory")}</p>
      ) : (
        <ol className="log">
          {order.status_history.map((change, index) => (
            <li key={index} className="log-entry">
              <div className="log-line">
                <time dateTime={change.at}>{formatDate(change.at, language)}</time>
                <strong>{names.statusName(change.status)}</strong>
                <span className="muted small">
                  {t(`orders.source.${change.source}` as TextKey)}
                  {change.shop_state_id !== null && change.shop_state_id !== undefined
                    ? ` · ${t("orders.shopState")} ${change.shop_state_id}`
                    : ""}
                  {change.actor ? ` · ${change.actor}` : ""}
                </span>
              </div>
            </li>
          ))}
        </ol>
      )}
      <h2>{t("orders.sent")}</h2>
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t("orders.what")}</th>
            <th scope="col">{t("orders.added")}</th>
            <th scope="col">{t("orders.toShop")}</th>
          </tr>
        </thead>
        <tbody>
          {order.tracking_numbers.map((tracking) => (
            <tr key={`t-${tracking.number}`}>
              <td data-label={t("orders.what")}>
                {t("orders.trackingNumber")}: <strong>{tracking.number}</strong>
              </td>
              <td data-label={t("orders.added")}>{formatDate(tracking.added_at, language)}</td>
              <td data-label={t("orders.toShop")}>
                <SyncBadge state={tracking.shop_sync} problem={tracking.problem} />
              </td>
            </tr>
          ))}
          {order.documents.map((document) => (
            <tr key={`d-${document.type}-${document.number}`}>
              <td data-label={t("orders.what")}>
                {t(`orders.document.${document.type}` as TextKey)}: <strong>{document.number}</strong>
              </td>
              <td data-label={t("orders.added")}>{formatDate(document.added_at, language)}</td>
              <td data-label={t("orders.toShop")}>
                <SyncBadge state={document.shop_sync} problem={document.problem} />
              </td>
            </tr>
          ))}
          {order.tracking_numbers.length + order.documents.length === 0 && (
            <tr>
              <td colSpan={3} className="muted">
                {t("orders.nothingSent")}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="panels">
        <TrackingForm orderId={order.id} onSent={loaded.reload} />
        <DocumentForm orderId={order.id} onSent={loaded.reload} />
      </div>
    </section>
  );
}

function TrackingForm({ orderId, onSent }: { orderId: string; onSent: () => void }) {
  const { t } = useT();
  const { api } = useApp();
  const [number, setNumber] = useState("");
  const submission = useSubmit();
  const send = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await submission.run(async () => {
      await call(
        api.POST("/orders/{oid}/shipments", {
          params: { path: { oid: orderId } },
          body: { tracking_number: number.trim() },
        }),
        t("common.networkError"),
      );
      return t("orders.queued");
    });
    if (ok) {
      setNumber("");
      onSent();
    }
  };
  const error = submission.error;
  return (
    <form onSubmit={send} className="card" noValidate aria-label={t("orders.sendTracking")}>
      <h2>{t("orders.sendTracking")}</h2>
      {error && !error.forField("tracking_number") && <Notice kind="error">{error.message}</Notice>}
      <TextField
        label={t("orders.trackingNumber")}
        value={number}
        onChange={setNumber}
        error={error?.forField("tracking_number")}
      />
      <SaveBar busy={submission.busy} done={submission.done} label={t("orders.sendTrackingButton")} />
    </form>
  );
}

function DocumentForm({ orderId, onSent }: { orderId: string; onSent: () => void }) {
  const { t } = useT();
  const { api } = useApp();
  const [type, setType] = useState<DocumentType>("invoice");
  const [number, setNumber] = useState("");
  const [url, setUrl] = useState("");
  const submission = useSubmit();
  const send = async (event: FormEvent) => {
    event.preventDefault();
    const ok = await submission.run(async () => {
      await call(
        api.POST("/orders/{oid}/documents", {
          params: { path: { oid: orderId } },
          body: { type, number: number.trim(), url: url.trim() },
        }),
        t("common.networkError"),
      );
      return t("orders.queued");
    });
    if (ok) {
      setNumber("");
      setUrl("");
      onSent();
    }
  };
  const error = submission.error;
  return (
    <form onSubmit={send} className="card" noValidate aria-label={t("orders.sendDocument")}>
      <h2>{t("orders.sendDocument")}</h2>
      {error && !error.details.length && <Notice kind="error">{error.message}</Notice>}
      <SelectField
        label={t("orders.documentType")}
        value={type}
        options={DOCUMENT_TYPES.map((value) => ({ value, label: t(`orders.document.${value}` as TextKey) }))}
        onChange={(value) => setType(DOCUMENT_TYPES.find((known) => known === value) ?? "invoice")}
      />
      <TextField
        label={t("orders.documentNumber")}
        value={number}
        onChange={setNumber}
        error={error?.forField("number")}
      />
      <TextField
        label={t("orders.documentUrl")}
        type="url"
        value={url}
        onChange={setUrl}
        error={error?.forField("url")}
      />
      <SaveBar busy={submission.busy} done={submission.done} label={t("orders.sendDocumentButton")} />
    </form>
  );
}
