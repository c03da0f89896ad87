// The panel's only way to the API: openapi-fetch typed by the contract (docs/openapi.json →
// schema.d.ts), so a change to the contract breaks `npm run check`.
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import type { Language } from "../i18n";

export type Schemas = components["schemas"];
export type Account = Schemas["AccountResponse"];
export type Discovery = Schemas["DiscoveryResponse"];
export type DictionaryEntry = Schemas["DictionaryEntryResponse"];
export type OrderSettings = Schemas["OrderSettingsResponse"];
export type OrderSettingsRequest = Schemas["OrderSettingsRequest"];
export type FieldMapping = Schemas["FieldMappingResponse"];
export type ShopField = FieldMapping["ean"];
export type Template = Schemas["TemplateResponse"];
export type TemplateSync = Schemas["TemplateSync"];
export type LogEntry = Schemas["LogEntryResponse"];
export type ImportJob = Schemas["ImportResponse"];
export type ImportItem = Schemas["ImportItemResponse"];
export type ImportRequest = Schemas["ImportRequest"];
export type UniqueIdentifier = ImportRequest["unique_identifier"];
export type LinkFileResult = Schemas["LinkFileResult"];
export type LinkJob = Schemas["LinkJobResponse"];
export type LinkJobStarted = Schemas["LinkJobStarted"];
export type ReportSummary = Schemas["ReportSummaryResponse"];
export type Report = Schemas["ReportResponse"];
export type Order = Schemas["OrderResponse"];
export type Product = Schemas["ProductResponse"];
export type ProductSummary = Schemas["ProductSummaryResponse"];
export type ProductOffer = Schemas["ProductOfferResponse"];

/** One problem the API names in `error.details`: a field (dotted path) and its message. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An answer in the API's error shape (API.md), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldProblem[] = [],
  ) {
    super(message);
  }

  /** The message for one field (`name`, `mappings.payments`, `items[0].hub_id`…), if any. */
  forField(field: string): string | undefined {
    return this.details.find((problem) => problem.field === field)?.message;
  }
}

function problems(details: unknown): FieldProblem[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [];
    const { field, message } = item as Record<string, unknown>;
    return typeof field === "string" && typeof message === "string" ? [{ field, message }] : [];
  });
}

/** Where the API lives: same origin (local stack), or `apiUrl` from /panel/config.json (deployed). */
export async function apiBaseUrl(): Promise<string> {
  try {
    const answer = await fetch(`${import.meta.env.BASE_URL}config.json`, { cache: "no-cache" });
    if (!answer.ok) return "";
    const config = (await answer.json()) as { apiUrl?: unknown };
    return typeof config.apiUrl === "string" ? config.apiUrl.replace(/\/$/, "") : "";
  } catch {
    return "";
  }
}

export interface Session {
  token: () => string | null;
  language: () => Language;
  /** Called when the API answers 401: the token is missing, unknown, revoked or expired. */
  onUnauthorized: () => void;
}

export function makeClient(baseUrl: string, session: Session) {
  const client = createClient<paths>({ baseUrl });
  const headers: Middleware = {
    onRequest({ request }) {
      const token = session.token();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      request.headers.set("Accept-Language", session.language());
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) session.onUnauthorized();
      return response;
    },
  };
  client.use(headers);
  return client;
}

export type Client = ReturnType<typeof makeClient>;

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or an {@link ApiError} carrying the API's code, message and details. */
export async function call<T>(request: Promise<Answer<T>>, networkMessage: string): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch {
    throw new ApiError(0, "network", networkMessage);
  }
  if (answer.response.ok) return answer.data as T;
  const body = answer.error as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined;
  const error = body?.error;
  const message =
    typeof error?.message === "string" ? error.message : `${answer.response.status} ${answer.response.statusText}`;
  const code = typeof error?.code === "string" ? error.code : "http_error";
  throw new ApiError(answer.response.status, code, message, problems(error?.details));
}

/** The activity log's configuration sections, as the contract lists them. */
export type LogSection = NonNullable<NonNullable<paths["/logs"]["get"]["parameters"]["query"]>["section"]>;
