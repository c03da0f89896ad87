import { useState } from "react";
import { call, type LogEntry, type LogSection } from "../api/client";
import { useApp } from "../app-context";
import { usePaged, type Paged } from "../hooks";
import { formatDate, useT, type TextKey } from "../i18n";
import { EmptyState, PageTitle, Problem, SelectField } from "../ui";
import { useAccount } from "./AccountPage";

/** Every section the contract lists, with its name: a section added to the API and not here fails the type check. */
const SECTION_NAMES: Record<LogSection, TextKey> = {
  account: "logs.section.account",
  mappings: "logs.section.mappings",
  order_settings: "logs.section.order_settings",
  field_mapping: "logs.section.field_mapping",
  templates: "logs.section.templates",
  imports: "logs.section.imports",
  linking: "logs.section.linking",
  orders: "logs.section.orders",
  stock: "logs.section.stock",
  reports: "logs.section.reports",
  access: "logs.section.access",
};
const SECTIONS = Object.keys(SECTION_NAMES) as LogSection[];

function LogTable({ pages, showAccount = false }: { pages: Paged<LogEntry>; showAccount?: boolean }) {
  const { t, language } = useT();
  if (pages.loaded && pages.items.length === 0) return <EmptyState>{t("logs.empty")}</EmptyState>;
  return (
    <>
      <Problem error={pages.error} onRetry={pages.reload} />
      <ol className="log">
        {pages.items.map((entry, index) => (
          <li key={`${entry.at}-${index}`} className={`log-entry log-${entry.outcome}`}>
            <div className="log-line">
              <span className={`badge badge-${entry.outcome === "ok" ? "ok" : "error"}`}>
                {entry.outcome === "ok" ? t("logs.ok") : t("logs.error")}
              </span>
              <time dateTime={entry.at}>{formatDate(entry.at, language)}</time>
              <span className="muted small">
                {entry.actor}
                {entry.section && ` · ${sectionName(entry.section, t)}`}
                {showAccount && entry.account_id && ` · ${entry.account_id}`}
              </span>
            </div>
            <p className="log-message">{entry.message}</p>
            {entry.details && Object.keys(entry.details).length > 0 && (
              <details>
                <summary>{t("logs.details")}</summary>
                <dl className="details">
                  {Object.entries(entry.details).map(([name, value]) => (
                    <div key={name}>
                      <dt>{name}</dt>
                      <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
                    </div>
                  ))}
                </dl>
              </details>
            )}
          </li>
        ))}
      </ol>
      {pages.hasMore && (
        <button type="button" className="secondary" onClick={pages.more} disabled={pages.busy}>
          {t("common.more")}
        </button>
      )}
    </>
  );
}

function isSection(value: string): value is LogSection {
  return value in SECTION_NAMES;
}

function sectionName(section: string, t: (key: TextKey) => string): string {
  return isSection(section) ? t(SECTION_NAMES[section]) : section;
}

/** The log of one configuration section of one account, at the foot of that section. */
export function SectionLog({
  accountId,
  section,
  limit = 5,
  version = 0,
}: {
  accountId: string;
  section: LogSection;
  limit?: number;
  /** Bumped by the section after a change, so its new entry shows. */
  version?: number;
}) {
  const { t, language } = useT();
  const { api } = useApp();
  const pages = usePaged(
    (next) =>
      call(
        api.GET("/accounts/{id}/logs", {
          params: { path: { id: accountId }, query: { section, limit, ...(next ? { next } : {}) } },
        }),
        t("common.networkError"),
      ),
    [api, accountId, section, language, version],
  );
  return (
    <section className="section-log" aria-label={t("logs.sectionTitle", { section: sectionName(section, t) })}>
      <h2>{t("logs.sectionTitle", { section: sectionName(section, t) })}</h2>
      <LogTable pages={pages} />
    </section>
  );
}

function SectionFilter({ value, onChange }: { value: string; onChange: (value: LogSection | "") => void }) {
  const { t } = useT();
  return (
    <SelectField
      label={t("logs.filter")}
      value={value}
      placeholder={t("logs.all")}
      options={SECTIONS.map((section) => ({ value: section, label: sectionName(section, t) }))}
      onChange={(value) => onChange(isSection(value) ? value : "")}
    />
  );
}

export function AccountLogSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const [section, setSection] = useState<LogSection | "">("");
  const pages = usePaged(
    (next) =>
      call(
        api.GET("/accounts/{id}/logs", {
          params: {
            path: { id: account.id },
            query: { limit: 20, ...(section ? { section } : {}), ...(next ? { next } : {}) },
          },
        }),
        t("common.networkError"),
      ),
    [api, account.id, section, language],
  );
  return (
    <section>
      <PageTitle focus={false}>{t("section.logs")}</PageTitle>
      <SectionFilter value={section} onChange={setSection} />
      <LogTable pages={pages} />
    </section>
  );
}

/** Every account's entries, the tenant's own (dictionaries, stock) included. */
export function TenantLog() {
  const { t, language } = useT();
  const { api } = useApp();
  const [section, setSection] = useState<LogSection | "">("");
  const pages = usePaged(
    (next) =>
      call(
        api.GET("/logs", {
          params: { query: { limit: 20, ...(section ? { section } : {}), ...(next ? { next } : {}) } },
        }),
        t("common.networkError"),
      ),
    [api, section, language],
  );
  return (
    <section>
      <PageTitle>{t("logs.title")}</PageTitle>
      <SectionFilter value={section} onChange={setSection} />
      <LogTable pages={pages} showAccount />
    </section>
  );
}
