import { useEffect, useId, useRef, type ReactNode } from "react";
import type { ApiError } from "./api/client";
import { useT } from "./i18n";

/** The page's heading: names the tab and takes the focus after a navigation (screen readers). */
export function PageTitle({ children, focus = true }: { children: string; focus?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${children} · ShopHub`;
    if (focus) heading.current?.focus();
  }, [children, focus]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
}

type NoticeKind = "error" | "success" | "info" | "warning";

export function Notice({ kind, children, title }: { kind: NoticeKind; children: ReactNode; title?: string }) {
  const urgent = kind === "error";
  return (
    <div className={`notice notice-${kind}`} role={urgent ? "alert" : "status"} aria-label={title}>
      {children}
    </div>
  );
}

/** The API's answer to a failed call: its message as it came, in the chosen language. */
export function Problem({ error, onRetry }: { error: ApiError | undefined; onRetry?: () => void }) {
  const { t } = useT();
  if (!error) return null;
  return (
    <Notice kind="error">
      <p>{error.message}</p>
      {onRetry && (
        <button type="button" className="secondary" onClick={onRetry}>
          {t("common.retry")}
        </button>
      )}
    </Notice>
  );
}

export function Loading() {
  const { t } = useT();
  return (
    <p className="loading" role="status">
      {t("common.loading")}
    </p>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

/** A field's frame: its label, the control, the help under it and the API's problem for it. */
function FieldFrame(props: {
  id: string;
  label: string;
  help?: ReactNode;
  error?: string | undefined;
  hideLabel?: boolean | undefined;
  children: ReactNode;
}) {
  const { id, label, help, error, hideLabel, children } = props;
  return (
    <div className={`field${error ? " field-invalid" : ""}`}>
      <label htmlFor={id} className={hideLabel ? "visually-hidden" : undefined}>
        {label}
      </label>
      {children}
      {help && (
        <div id={`${id}-help`} className="help">
          {help}
        </div>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** The control's accessible description: its help and its problem, as FieldFrame renders them. */
function describedBy(id: string, help: ReactNode, error: string | undefined) {
  const ids = [help ? `${id}-help` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return { "aria-describedby": ids || undefined, "aria-invalid": error ? true : undefined };
}

interface FieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  help?: ReactNode;
  type?: "text" | "url" | "password" | "datetime-local" | "search" | "number";
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  name?: string;
}

/** A labelled input; the API's message for it (from `details`) is shown under it. */
export function TextField({ label, value, onChange, error, help, type = "text", ...rest }: FieldProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} help={help} error={error}>
      <input
        id={id}
        type={type}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        {...describedBy(id, help, error)}
        {...rest}
      />
    </FieldFrame>
  );
}

export interface Option {
  value: string;
  label: string;
}

interface SelectProps {
  label: string;
  value: string;
  options: Option[];
  onChange: (value: string) => void;
  placeholder?: string;
  error?: string | undefined;
  help?: ReactNode;
  hideLabel?: boolean;
}

export function SelectField({ label, value, options, onChange, placeholder, error, help, hideLabel }: SelectProps) {
  const id = useId();
  return (
    <FieldFrame id={id} label={label} help={help} error={error} hideLabel={hideLabel}>
      <select
        id={id}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        {...describedBy(id, help, error)}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}

/** An on/off setting: a checkbox with the switch role, its label beside it. */
export function Switch({
  label,
  checked,
  onChange,
}: {
  label: string;
  checked: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <label className="switch">
      <input type="checkbox" role="switch" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      <span className="switch-track" aria-hidden="true" />
      <span>{label}</span>
    </label>
  );
}

/** The save button with its state; the outcome is announced beside it. */
export function SaveBar({
  busy,
  done,
  label,
  busyLabel,
}: {
  busy: boolean;
  done?: string | undefined;
  label?: string;
  busyLabel?: string;
}) {
  const { t } = useT();
  return (
    <div className="save-bar">
      <button type="submit" disabled={busy}>
        {busy ? (busyLabel ?? t("common.saving")) : (label ?? t("common.save"))}
      </button>
      {done && (
        <span className="saved" role="status">
          {done}
        </span>
      )}
    </div>
  );
}

/** Field problems the form could not place next to a field (so nothing the API says is lost). */
export function UnplacedProblems({ error, placed }: { error: ApiError | undefined; placed: string[] }) {
  if (!error) return null;
  const rest = error.details.filter((problem) => !placed.includes(problem.field));
  if (rest.length === 0) return null;
  return (
    <ul className="problems">
      {rest.map((problem) => (
        <li key={problem.field}>
          <code>{problem.field}</code>: {problem.message}
        </li>
      ))}
    </ul>
  );
}

/** A determinate progress bar (role progressbar with its value), its percentage written beside it. */
export function ProgressBar({ value, label }: { value: number; label: string }) {
  const percent = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-value">{percent}%</span>
    </div>
  );
}

/** Counters as a definition list: label and number side by side. */
export function Counters({ items }: { items: [string, number | string][] }) {
  return (
    <dl className="counters">
      {items.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** What a page shows before its data is there: the API's problem (with a retry) or "loading". */
export function NotYet({ state }: { state: { error: ApiError | undefined; loading: boolean; reload: () => void } }) {
  return (
    <section>
      <Problem error={state.error} onRetry={state.reload} />
      {state.loading && <Loading />}
    </section>
  );
}
