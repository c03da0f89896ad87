import { useCallback, useMemo, useRef, useState } from "react";
import { Link, Navigate, NavLink, Outlet, Route, Routes, useLocation } from "react-router-dom";
import { makeClient } from "./api/client";
import { AppContext, useApp } from "./app-context";
import {
  LanguageContext,
  rememberLanguage,
  storedLanguage,
  translator,
  useT,
  type Language,
  type TextKey,
} from "./i18n";
import { storedToken, storeToken } from "./session";
import { SignIn } from "./pages/SignIn";
import { AccountList } from "./pages/AccountList";
import { AddAccount } from "./pages/AddAccount";
import { AccountPage, AccountHome } from "./pages/AccountPage";
import { MappingSection } from "./pages/Mappings";
import { OrderSettingsSection } from "./pages/OrderSettings";
import { FieldMappingSection } from "./pages/FieldMapping";
import { TemplatesSection } from "./pages/Templates";
import { ImportsSection } from "./pages/Imports";
import { ImportRun } from "./pages/ImportRun";
import { ReportPage, ReportsSection } from "./pages/Reports";
import { OrderList, OrderPage } from "./pages/Orders";
import { ProductList, ProductPage } from "./pages/Products";
import { AccountLogSection, TenantLog } from "./pages/Logs";
import { EditAccountSection } from "./pages/EditAccount";
import { PageTitle } from "./ui";

export function App({ baseUrl }: { baseUrl: string }) {
  const [language, setLanguageState] = useState<Language>(storedLanguage);
  const [token, setToken] = useState<string | null>(storedToken);
  const [notice, setNotice] = useState<TextKey>();
  const current = useRef({ token, language });
  current.current = { token, language };

  /** Ends the session; the route guard then shows the sign-in page (remembering the screen when it expired). */
  const signOut = useCallback((reason: "signIn.expired" | "signIn.signedOut" = "signIn.signedOut") => {
    storeToken(null);
    current.current.token = null;
    setToken(null);
    setNotice(reason);
  }, []);
  const api = useMemo(
    () =>
      makeClient(baseUrl, {
        token: () => current.current.token,
        language: () => current.current.language,
        onUnauthorized: () => {
          if (current.current.token) signOut("signIn.expired");
        },
      }),
    [baseUrl, signOut],
  );
  const languageState = useMemo(
    () => ({
      language,
      t: translator(language),
      setLanguage: (next: Language) => {
        rememberLanguage(next);
        setLanguageState(next);
      },
    }),
    [language],
  );
  const signIn = (value: string) => {
    storeToken(value);
    current.current.token = value;
    setToken(value);
    setNotice(undefined);
  };

  return (
    <LanguageContext.Provider value={languageState}>
      <AppContext.Provider value={{ api, signOut }}>
        <Routes>
          <Route path="/sign-in" element={token ? <BackToWork /> : <SignIn notice={notice} onSignIn={signIn} />} />
          <Route element={token ? <Layout /> : <ToSignIn remember={notice === "signIn.expired"} />}>
            <Route index element={<Navigate to="/integrations/prestashop" replace />} />
            <Route path="integrations/prestashop" element={<AccountList />} />
            <Route path="integrations/prestashop/new" element={<AddAccount />} />
            <Route path="integrations/prestashop/:accountId" element={<AccountPage />}>
              <Route index element={<AccountHome />} />
              <Route path="mappings/:kind" element={<MappingSection />} />
              <Route path="order-settings" element={<OrderSettingsSection />} />
              <Route path="field-mapping" element={<FieldMappingSection />} />
              <Route path="templates" element={<TemplatesSection />} />
              <Route path="imports" element={<ImportsSection />} />
              <Route path="imports/:importId" element={<ImportRun />} />
              <Route path="reports" element={<ReportsSection />} />
              <Route path="reports/:reportId" element={<ReportPage />} />
              <Route path="logs" element={<AccountLogSection />} />
              <Route path="settings" element={<EditAccountSection />} />
            </Route>
            <Route path="orders" element={<OrderList />} />
            <Route path="orders/:orderId" element={<OrderPage />} />
            <Route path="products" element={<ProductList />} />
            <Route path="products/:productId" element={<ProductPage />} />
            <Route path="logs" element={<TenantLog />} />
            <Route path="*" element={<NotFound />} />
          </Route>
        </Routes>
      </AppContext.Provider>
    </LanguageContext.Provider>
  );
}

function ToSignIn({ remember }: { remember: boolean }) {
  const { pathname } = useLocation();
  return <Navigate to="/sign-in" replace state={remember ? { from: pathname } : undefined} />;
}

/** After signing in: the screen where the session ended, else the start. */
function BackToWork() {
  const from = (useLocation().state as { from?: string } | null)?.from;
  return <Navigate to={from ?? "/"} replace />;
}

export function LanguageSwitch() {
  const { t, language, setLanguage } = useT();
  const other: Language = language === "pl" ? "en" : "pl";
  return (
    <button
      type="button"
      className="link-button"
      lang={other}
      aria-label={t("lang.switchLabel")}
      onClick={() => setLanguage(other)}
    >
      {t("lang.switch")}
    </button>
  );
}

function Layout() {
  const { t } = useT();
  const { signOut } = useApp();
  return (
    <>
      <a className="skip" href="#main">
        {t("app.skip")}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          {t("app.name")}
        </Link>
        <nav aria-label={t("nav.main")} className="main-nav">
          <span className="nav-group">{t("nav.integrations")}</span>
          <span aria-hidden="true">⇨</span>
          <NavLink to="/integrations/prestashop">{t("nav.prestashop")}</NavLink>
          <NavLink to="/orders">{t("nav.orders")}</NavLink>
          <NavLink to="/products">{t("nav.products")}</NavLink>
          <NavLink to="/logs">{t("nav.logs")}</NavLink>
        </nav>
        <div className="top-actions">
          <LanguageSwitch />
          <button type="button" className="secondary" onClick={() => signOut("signIn.signedOut")}>
            {t("nav.signOut")}
          </button>
        </div>
      </header>
      <main id="main">
        <Outlet />
      </main>
    </>
  );
}

function NotFound() {
  const { t } = useT();
  return (
    <section>
      <PageTitle>{t("notFound.title")}</PageTitle>
      <p>
        <Link to="/integrations/prestashop">{t("notFound.back")}</Link>
      </p>
    </section>
  );
}
