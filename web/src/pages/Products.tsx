import { useEffect, useState, type FormEvent } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { ApiError, call, type ProductSummary, type Template } from "../api/client";
import { useApp } from "../app-context";
import { useInterval, useLoad, usePaged, useSubmit } from "../hooks";
import { useT, type TextKey } from "../i18n";
import { EmptyState, Loading, NotYet, Notice, PageTitle, Problem, SaveBar, TextField } from "../ui";

const PAGE = 50;

/** The hub catalogue: a search (name, variant, EAN, symbol, catalogue number) and pages of 50. */
export function ProductList() {
  const { t, language } = useT();
  const { api } = useApp();
  const [params, setParams] = useSearchParams();
  const query = params.get("q") ?? "";
  const [text, setText] = useState(query);
  const products = usePaged(
    (cursor?: string) =>
      call(
        api.GET("/products", {
          params: { query: { limit: PAGE, ...(query ? { q: query } : {}), ...(cursor ? { next: cursor } : {}) } },
        }),
        t("common.networkError"),
      ),
    [api, query, language],
  );
  const search = (event: FormEvent) => {
    event.preventDefault();
    setParams(text.trim() ? { q: text.trim() } : {});
  };
  return (
    <section>
      <PageTitle>{t("products.title")}</PageTitle>
      <form onSubmit={search} className="toolbar" role="search">
        <TextField
          label={t("products.search")}
          type="search"
          value={text}
          onChange={setText}
          error={products.error?.forField("q")}
        />
        <button type="submit">{t("products.searchButton")}</button>
      </form>
      <Problem
        error={products.error && !products.error.forField("q") ? products.error : undefined}
        onRetry={products.reload}
      />
      {!products.loaded && <Loading />}
      {products.loaded && products.items.length === 0 && (
        <EmptyState>{query ? t("products.noMatch", { query }) : t("products.empty")}</EmptyState>
      )}
      {products.items.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("products.id")}</th>
              <th scope="col">{t("products.name")}</th>
              <th scope="col">{t("fieldMapping.ean")}</th>
              <th scope="col">{t("fieldMapping.symbol")}</th>
              <th scope="col" className="num">
                {t("products.stock")}
              </th>
            </tr>
          </thead>
          <tbody>
            {products.items.map((product: ProductSummary) => (
              <tr key={product.id}>
                <td data-label={t("products.id")}>{product.id}</td>
                <td data-label={t("products.name")}>
                  <Link to={`/products/${product.id}`}>{product.name}</Link>
                  {product.variant && <span className="muted small"> {product.variant}</span>}
                </td>
                <td data-label={t("fieldMapping.ean")}>{product.ean}</td>
                <td data-label={t("fieldMapping.symbol")}>{product.symbol}</td>
                <td data-label={t("products.stock")} className="num">
                  {product.stock}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {products.hasMore && (
        <button type="button" className="secondary" onClick={products.more} disabled={products.busy}>
          {t("common.more")}
        </button>
      )}
    </section>
  );
}

/** Account names and each account's templates, for the offers of one product. */
function useOfferNames(accountIds: string[]) {
  const { t } = useT();
  const { api } = useApp();
  const key = [...new Set(accountIds)].sort().join(",");
  const loaded = useLoad(async () => {
    const network = t("common.networkError");
    const accounts = await call(api.GET("/accounts", { params: { query: { limit: 100 } } }), network);
    const ids = key ? key.split(",") : [];
    const templates = await Promise.all(
      ids.map((id) =>
        call(api.GET("/accounts/{id}/templates", { params: { path: { id } } }), network).then(
          (answer) => [id, answer.items] as [string, Template[]],
          () => [id, []] as [string, Template[]],
        ),
      ),
    );
    return { accounts: accounts.items, templates: Object.fromEntries(templates) };
  }, [api, key]);
  return {
    account: (id: string) => loaded.data?.accounts.find((account) => account.id === id)?.name ?? id,
    template: (accountId: string, id: string | null) =>
      (id && loaded.data?.templates[accountId]?.find((template) => template.id === id)?.name) ?? "",
  };
}

export function ProductPage() {
  const { productId = "" } = useParams();
  const { t, language } = useT();
  const { api } = useApp();
  const id = productId;
  const loaded = useLoad(
    () => call(api.GET("/products/{pid}", { params: { path: { pid: id } } }), t("common.networkError")),
    [api, id, language],
  );
  const product = loaded.data;
  const names = useOfferNames(product?.offers.map((offer) => offer.account_id) ?? []);
  const [quantity, setQuantity] = useState("");
  const submission = useSubmit();
  useEffect(() => {
    if (product) setQuantity(String(product.stock));
  }, [product?.id, product?.stock]); // eslint-disable-line react-hooks/exhaustive-deps
  const pending = product?.offers.some((offer) => offer.stock_sync === "pending") ?? false;
  useInterval(loaded.reload, 1000, pending);

  if (!product) {
    return <NotYet state={loaded} />;
  }
  const save = async (event: FormEvent) => {
    event.preventDefault();
    await submission.run(async () => {
      const value = Number(quantity.trim());
      if (!quantity.trim() || !Number.isInteger(value)) {
        throw new ApiError(422, "client", t("products.wholeNumber"), [
          { field: "quantity", message: t("products.wholeNumber") },
        ]);
      }
      await call(
        api.PUT("/products/{pid}/stock", { params: { path: { pid: id } }, body: { quantity: value } }),
        t("common.networkError"),
      );
      loaded.reload();
      return t("products.stockQueued");
    });
  };
  const error = submission.error;
  return (
    <section>
      <p className="crumbs">
        <Link to="/products">{t("products.title")}</Link>
      </p>
      <PageTitle>{product.variant ? `${product.name} (${product.variant})` : product.name}</PageTitle>
      <dl className="details">
        {(
          [
            ["products.id", product.id],
            ["fieldMapping.ean", product.ean],
            ["fieldMapping.symbol", product.symbol],
            ["fieldMapping.catalogNumber", product.catalog_number],
          ] as [TextKey, string | number][]
        ).map(([label, value]) => (
          <div key={label}>
            <dt>{t(label)}</dt>
            <dd>{value || "—"}</dd>
          </div>
        ))}
      </dl>
      <form onSubmit={save} className="card form inline-form" noValidate>
        <TextField
          label={t("products.stockField")}
          type="number"
          value={quantity}
          onChange={setQuantity}
          error={error?.forField("quantity")}
        />
        <SaveBar busy={submission.busy} done={submission.done} />
      </form>
      {error && !error.forField("quantity") && <Notice kind="error">{error.message}</Notice>}
      <h2>{t("products.offers")}</h2>
      {product.offers.length === 0 ? (
        <EmptyState>{t("products.noOffers")}</EmptyState>
      ) : (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("orders.shop")}</th>
              <th scope="col">{t("products.variant")}</th>
              <th scope="col">{t("products.template")}</th>
              <th scope="col" className="num">
                {t("products.inShop")}
              </th>
              <th scope="col">{t("products.push")}</th>
            </tr>
          </thead>
          <tbody>
            {product.offers.map((offer) => (
              <tr key={`${offer.account_id}-${offer.shop_product_id}-${offer.shop_combination_id}`}>
                <td data-label={t("orders.shop")}>
                  <Link to={`/integrations/prestashop/${offer.account_id}/reports`}>
                    {names.account(offer.account_id)}
                  </Link>
                </td>
                <td data-label={t("products.variant")}>
                  {offer.name}{" "}
                  <span className="muted small">
                    ({offer.shop_product_id}
                    {offer.shop_combination_id ? ` / ${offer.shop_combination_id}` : ""})
                  </span>
                </td>
                <td data-label={t("products.template")}>{names.template(offer.account_id, offer.template_id)}</td>
                <td data-label={t("products.inShop")} className="num">
                  {offer.pushed_quantity ?? "—"}
                </td>
                <td data-label={t("products.push")}>
                  <span
                    className={`badge badge-${offer.stock_sync === "sent" ? "ok" : offer.stock_sync === "pending" ? "warning" : "muted"}`}
                  >
                    {t(`products.sync.${offer.stock_sync}` as TextKey)}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
