import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import {
  call,
  type FieldMapping,
  type ImportRequest,
  type LinkFileResult,
  type LinkJob,
  type UniqueIdentifier,
} from "../api/client";
import { useApp } from "../app-context";
import { useInterval, useLoad, useSubmit } from "../hooks";
import { formatDate, useT, type TextKey } from "../i18n";
import {
  Counters,
  EmptyState,
  Loading,
  Notice,
  PageTitle,
  Problem,
  ProgressBar,
  SaveBar,
  SelectField,
  Switch,
  TextField,
} from "../ui";
import { useAccount } from "./AccountPage";
import { SectionLog } from "./Logs";

const IDENTIFIERS: { value: UniqueIdentifier; label: TextKey; field: keyof FieldMapping }[] = [
  { value: "ean", label: "fieldMapping.ean", field: "ean" },
  { value: "symbol", label: "fieldMapping.symbol", field: "symbol" },
  { value: "catalog_number", label: "fieldMapping.catalogNumber", field: "catalog_number" },
];

export function ImportStatus({ status }: { status: string }) {
  const { t } = useT();
  const known = ["preparing", "importing", "finished", "aborted", "failed"].includes(status);
  return (
    <span className={`badge badge-import-${status}`}>{known ? t(`imports.status.${status}` as TextKey) : status}</span>
  );
}

export function ImportsSection() {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const network = t("common.networkError");
  const path = { params: { path: { id: account.id } } };
  const imports = useLoad(
    () =>
      call(api.GET("/accounts/{id}/imports", { params: { path: { id: account.id }, query: { limit: 50 } } }), network),
    [api, account.id, language],
  );
  const templates = useLoad(() => call(api.GET("/accounts/{id}/templates", path), network), [api, account.id]);
  const mapping = useLoad(() => call(api.GET("/accounts/{id}/field-mapping", path), network), [api, account.id]);
  const [mode, setMode] = useState<"import" | "link" | "file">("import");
  const running = (imports.data?.items ?? []).some((job) => ["preparing", "importing"].includes(job.status));
  useInterval(imports.reload, 2000, running);

  const hasDefault = templates.data?.items.some((template) => template.default) ?? true;
  const items = imports.data?.items ?? [];
  const identifierOptions = IDENTIFIERS.map(({ value, label, field }) => ({
    value,
    label: mapping.data ? `${t(label)} (${mapping.data[field]})` : t(label),
  }));
  return (
    <section>
      <PageTitle focus={false}>{t("section.imports")}</PageTitle>
      <Problem error={imports.error ?? templates.error} onRetry={imports.reload} />
      <div className="card form">
        <fieldset className="choice">
          <legend>{t("imports.what")}</legend>
          <label>
            <input type="radio" name="mode" checked={mode === "import"} onChange={() => setMode("import")} />
            {t("imports.importProducts")}
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === "link"} onChange={() => setMode("link")} />
            {t("imports.linkProducts")}
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === "file"} onChange={() => setMode("file")} />
            {t("imports.fromFile")}
          </label>
        </fieldset>
        {!hasDefault ? (
          <Notice kind="warning">
            <p>{t("imports.blocked")}</p>
            <Link to="../templates">{t("section.templates")}</Link>
          </Notice>
        ) : mode === "import" ? (
          <ImportForm identifiers={identifierOptions} />
        ) : mode === "file" ? (
          <FileImportForm identifiers={identifierOptions} />
        ) : (
          <LinkForm identifiers={identifierOptions} />
        )}
      </div>
      <h2>{t("imports.history")}</h2>
      {imports.loading && !imports.data && <Loading />}
      {imports.data && items.length === 0 && <EmptyState>{t("imports.none")}</EmptyState>}
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
                <td data-label={t("imports.mode")}>
                  <Link to={job.id}>{t(`imports.mode.${job.mode}` as TextKey)}</Link>
                </td>
                <td data-label={t("imports.when")}>{formatDate(job.created_at, language)}</td>
                <td data-label={t("imports.status")}>
                  <ImportStatus status={job.status} /> {job.percent}%
                </td>
                <td data-label={t("imports.counters")} className="small">
                  {t("imports.countersLine", {
                    processed: job.processed,
                    total: job.total,
                    created: job.created,
                    linked: job.linked,
                    skipped: job.skipped,
                    failed: job.failed,
                  })}
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

/** A file sent as the request body, as it is (the API reads it as application/octet-stream). */
function fileBody(file: File) {
  return {
    body: file as never,
    bodySerializer: (body: unknown) => body as BodyInit,
    headers: { "Content-Type": "application/octet-stream" },
  };
}

function numberOrNull(value: string): number | null {
  const number = Number(value.trim());
  return value.trim() && Number.isInteger(number) ? number : null;
}

function ImportForm({ identifiers }: { identifiers: { value: string; label: string }[] }) {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const navigate = useNavigate();
  const [idFrom, setIdFrom] = useState("");
  const [idTo, setIdTo] = useState("");
  const [ids, setIds] = useState("");
  const [dateFrom, setDateFrom] = useState("");
  const [identifier, setIdentifier] = useState<UniqueIdentifier>("ean");
  const [withStock, setWithStock] = useState(true);
  const [onlyActive, setOnlyActive] = useState(true);
  const submission = useSubmit();
  const start = async (event: FormEvent) => {
    event.preventDefault();
    const listed = ids
      .split(/[\s,;]+/)
      .filter(Boolean)
      .map((value) => Number(value));
    const body: ImportRequest = {
      mode: "import",
      unique_identifier: identifier,
      with_stock: withStock,
      filters: {
        id_from: numberOrNull(idFrom),
        id_to: numberOrNull(idTo),
        ids: listed.length ? listed : null,
        date_from: dateFrom ? new Date(dateFrom).toISOString() : null,
        only_active: onlyActive,
      },
    };
    await submission.run(async () => {
      const started = await call(
        api.POST("/accounts/{id}/imports", { params: { path: { id: account.id } }, body }),
        t("common.networkError"),
      );
      navigate(started.id);
      return undefined;
    });
  };
  const error = submission.error;
  return (
    <form onSubmit={start} noValidate>
      <Notice kind="warning">{t("imports.warning")}</Notice>
      {error && <Notice kind="error">{error.message}</Notice>}
      <div className="grid-2">
        <TextField
          label={t("imports.idFrom")}
          type="number"
          value={idFrom}
          onChange={setIdFrom}
          error={error?.forField("filters.id_from")}
        />
        <TextField
          label={t("imports.idTo")}
          type="number"
          value={idTo}
          onChange={setIdTo}
          error={error?.forField("filters.id_to")}
        />
      </div>
      <TextField
        label={t("imports.ids")}
        value={ids}
        onChange={setIds}
        help={t("imports.idsHelp")}
        error={error?.forField("filters.ids")}
      />
      <TextField
        label={t("imports.dateFrom")}
        type="datetime-local"
        value={dateFrom}
        onChange={setDateFrom}
        error={error?.forField("filters.date_from")}
      />
      <SelectField
        label={t("imports.identifier")}
        value={identifier}
        options={identifiers}
        onChange={(value) => setIdentifier(value as UniqueIdentifier)}
        help={t("imports.identifierHelp")}
      />
      <Switch label={t("imports.withStock")} checked={withStock} onChange={setWithStock} />
      <Switch label={t("imports.onlyActive")} checked={onlyActive} onChange={setOnlyActive} />
      <SaveBar busy={submission.busy} label={t("imports.importProducts")} busyLabel={t("imports.starting")} />
    </form>
  );
}

function LinkForm({ identifiers }: { identifiers: { value: string; label: string }[] }) {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const navigate = useNavigate();
  const [identifier, setIdentifier] = useState<UniqueIdentifier>("ean");
  const [how, setHow] = useState<"api" | "file">("api");
  const submission = useSubmit();
  const start = async (event: FormEvent) => {
    event.preventDefault();
    await submission.run(async () => {
      const body: ImportRequest = {
        mode: "link",
        unique_identifier: identifier,
        with_stock: false,
        filters: { only_active: false },
      };
      const started = await call(
        api.POST("/accounts/{id}/imports", { params: { path: { id: account.id } }, body }),
        t("common.networkError"),
      );
      navigate(started.id);
      return undefined;
    });
  };
  return (
    <div>
      <fieldset className="choice">
        <legend>{t("links.how")}</legend>
        <label>
          <input type="radio" name="how" checked={how === "api"} onChange={() => setHow("api")} />
          {t("links.byApi")}
        </label>
        <label>
          <input type="radio" name="how" checked={how === "file"} onChange={() => setHow("file")} />
          {t("links.byFile")}
        </label>
      </fieldset>
      {how === "api" ? (
        <form onSubmit={start} noValidate>
          {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
          <SelectField
            label={t("imports.identifier")}
            value={identifier}
            options={identifiers}
            onChange={(value) => setIdentifier(value as UniqueIdentifier)}
          />
          <SaveBar busy={submission.busy} label={t("links.submit")} busyLabel={t("imports.starting")} />
        </form>
      ) : (
        <LinksFile />
      )}
    </div>
  );
}

/** An import or linking run from a catalogue file exported from the shop's back office. */
function FileImportForm({ identifiers }: { identifiers: { value: string; label: string }[] }) {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const navigate = useNavigate();
  const [file, setFile] = useState<File>();
  const [mode, setMode] = useState<"import" | "link">("import");
  const [identifier, setIdentifier] = useState<UniqueIdentifier>("ean");
  const [withStock, setWithStock] = useState(true);
  const submission = useSubmit();
  const start = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    await submission.run(async () => {
      const started = await call(
        api.POST("/accounts/{id}/imports/file", {
          params: {
            path: { id: account.id },
            query: { mode, unique_identifier: identifier, with_stock: withStock },
          },
          ...fileBody(file),
        }),
        t("common.networkError"),
      );
      navigate(started.id);
      return undefined;
    });
  };
  return (
    <form onSubmit={start} noValidate>
      <p className="advice">{t("imports.fileHelp")}</p>
      {submission.error && <Notice kind="error">{submission.error.message}</Notice>}
      <div className="field">
        <label htmlFor="catalogue-file">{t("imports.file")}</label>
        <input
          id="catalogue-file"
          type="file"
          accept=".csv,text/csv,text/plain"
          onChange={(event) => setFile(event.target.files?.[0])}
        />
      </div>
      <div className="grid-2">
        <SelectField
          label={t("imports.fileMode")}
          value={mode}
          options={[
            { value: "import", label: t("imports.importProducts") },
            { value: "link", label: t("imports.linkProducts") },
          ]}
          onChange={(value) => setMode(value === "link" ? "link" : "import")}
        />
        <SelectField
          label={t("imports.identifier")}
          value={identifier}
          options={identifiers}
          onChange={(value) => setIdentifier(value as UniqueIdentifier)}
        />
      </div>
      <Switch label={t("imports.withStock")} checked={withStock} onChange={setWithStock} />
      <SaveBar busy={submission.busy} label={t("imports.fileSubmit")} busyLabel={t("imports.starting")} />
    </form>
  );
}

/** Download the links file, pair rows by hand, upload it: every line's outcome comes back. */
function LinksFile() {
  const { t } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const [file, setFile] = useState<File>();
  const [result, setResult] = useState<LinkFileResult>();
  const [jobId, setJobId] = useState<string>();
  const download = useSubmit();
  const upload = useSubmit();
  const path = { params: { path: { id: account.id } } };

  const save = () =>
    download.run(async () => {
      const text = await call(
        api.GET("/accounts/{id}/links/file", { ...path, parseAs: "text" }),
        t("common.networkError"),
      );
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
      link.download = `links-${account.id}.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
      return t("links.downloaded");
    });
  const send = async (event: FormEvent) => {
    event.preventDefault();
    if (!file) return;
    setResult(undefined);
    setJobId(undefined);
    await upload.run(async () => {
      const answer = await call(
        api.POST("/accounts/{id}/links/file", {
          ...path,
          ...fileBody(file),
        }),
        t("common.networkError"),
      );
      if ("rejected_total" in answer) setResult(answer);
      else setJobId(answer.id);
      return undefined;
    });
  };
  return (
    <div>
      <p className="advice">{t("links.fileHelp")}</p>
      <p className="actions">
        <button type="button" className="secondary" onClick={() => void save()} disabled={download.busy}>
          {t("links.download")}
        </button>
        {download.done && <span className="saved">{download.done}</span>}
      </p>
      <Problem error={download.error} />
      <form onSubmit={send} noValidate>
        <div className="field">
          <label htmlFor="links-file">{t("links.upload")}</label>
          <input
            id="links-file"
            type="file"
            accept=".csv,text/csv"
            onChange={(event) => setFile(event.target.files?.[0])}
          />
        </div>
        {upload.error && <Notice kind="error">{upload.error.message}</Notice>}
        <SaveBar busy={upload.busy} label={t("links.submit")} busyLabel={t("links.uploading")} />
      </form>
      {result && <LinkResult result={result} />}
      {jobId && <LinkJobProgress jobId={jobId} />}
    </div>
  );
}

function LinkResult({ result }: { result: LinkFileResult }) {
  const { t } = useT();
  const rejected = result.rejected ?? [];
  return (
    <section className="card" aria-label={t("links.result")}>
      <h3>{t("links.result")}</h3>
      <Counters
        items={[
          [t("links.lines"), result.lines],
          [t("links.linked"), result.linked],
          [t("links.unchanged"), result.unchanged],
          [t("links.skipped"), result.skipped],
          [t("links.rejected"), result.rejected_total],
        ]}
      />
      {rejected.length > 0 && (
        <table className="list">
          <thead>
            <tr>
              <th scope="col">{t("links.line")}</th>
              <th scope="col">{t("links.reason")}</th>
            </tr>
          </thead>
          <tbody>
            {rejected.map((rejection) => (
              <tr key={rejection.line}>
                <td data-label={t("links.line")}>{rejection.line}</td>
                <td data-label={t("links.reason")}>{rejection.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.rejected_total > rejected.length && (
        <p className="muted">{t("links.moreRejected", { count: result.rejected_total - rejected.length })}</p>
      )}
    </section>
  );
}

/** A large file is worked through in the background: its progress, then its counters. */
function LinkJobProgress({ jobId }: { jobId: string }) {
  const { t, language } = useT();
  const { api } = useApp();
  const { account } = useAccount();
  const job = useLoad<LinkJob>(
    () =>
      call(
        api.GET("/accounts/{id}/links/jobs/{job_id}", { params: { path: { id: account.id, job_id: jobId } } }),
        t("common.networkError"),
      ),
    [api, account.id, jobId, language],
  );
  useInterval(job.reload, 1000, job.data?.status === "running");
  if (!job.data) return <Loading />;
  return (
    <section className="card" aria-label={t("links.result")}>
      <h3>{t("links.result")}</h3>
      <ProgressBar value={job.data.percent} label={t("links.progress")} />
      <Counters
        items={[
          [t("links.lines"), job.data.lines],
          [t("links.linked"), job.data.linked],
          [t("links.unchanged"), job.data.unchanged],
          [t("links.skipped"), job.data.skipped],
          [t("links.rejected"), job.data.rejected],
        ]}
      />
      {job.data.reason && <p>{job.data.reason}</p>}
      {job.data.report_ready && <p className="muted">{t("links.reportReady")}</p>}
    </section>
  );
}
