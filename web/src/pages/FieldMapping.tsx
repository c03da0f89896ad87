import { useEffect, useState, type FormEvent } from "react";
import { call, type FieldMapping, type ShopField } from "../api/client";
import { useApp } from "../app-context";
import { useLoad, useSubmit } from "../hooks";
import { useT, type TextKey } from "../i18n";
import { Loading, Notice, PageTitle, Problem, SaveBar, SelectField } from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

const SHOP_FIELDS: ShopField[] = ["ean13", "reference", "supplier_reference", "mpn", "upc", "isbn"];
const DEFAULTS: FieldMapping = { ean: "ean13", symbol: "reference", catalog_number: "mpn" };
const IDENTIFIERS: { field: keyof FieldMapping; label: TextKey }[] = [
  { field: "ean", label: "fieldMapping.ean" },
  { field: "catalog_number", label: "fieldMapping.catalogNumber" },
  { field: "symbol", label: "fieldMapping.symbol" },
];

export function FieldMappingSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const id = { params: { path: { id: account.id } } };
  const loaded = useLoad(
    () => call(api.GET("/accounts/{id}/field-mapping", id), t("common.networkError")),
    [api, account.id, language],
  );
  const [form, setForm] = useState<FieldMapping>();
  const [version, setVersion] = useState(0);
  const submission = useSubmit();
  useEffect(() => setForm(loaded.data), [loaded.data]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    await submission.run(async () => {
      loaded.setData(
        await call(api.PUT("/accounts/{id}/field-mapping", { ...id, body: form }), t("common.networkError")),
      );
      return t("common.saved");
    });
    setVersion((value) => value + 1);
  };
  const options = SHOP_FIELDS.map((field) => ({ value: field, label: t(`shopField.${field}` as TextKey) }));
  return (
    <section>
      <PageTitle focus={false}>{t("section.fieldMapping")}</PageTitle>
      <p className="advice">{t("fieldMapping.intro")}</p>
      <Problem error={loaded.error} onRetry={loaded.reload} />
      {!form && loaded.loading && <Loading />}
      {form && (
        <form onSubmit={save} className="card form" noValidate>
          {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
          {IDENTIFIERS.map(({ field, label }) => (
            <SelectField
              key={field}
              label={t(label)}
              value={form[field]}
              options={options}
              onChange={(value) => setForm({ ...form, [field]: value as ShopField })}
              help={`${t("fieldMapping.default")}: ${t(`shopField.${DEFAULTS[field]}` as TextKey)}`}
              error={submission.error?.forField(field)}
            />
          ))}
          <SaveBar busy={submission.busy} done={submission.done} />
        </form>
      )}
      <SectionLog accountId={account.id} section="field_mapping" version={version} />
    </section>
  );
}
