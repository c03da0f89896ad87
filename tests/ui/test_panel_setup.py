"""Merchant panel I in Chromium, step by step as the seed walks it: sign in, add the shop (a wrong
key first), map everything discovery found, order settings, field mapping, templates, the
language switch, signing out and an ended session, a phone-sized screen.

The steps share one browser tab and one local stack (the messy catalogue of `make run`), so they
run in file order; each checks what the merchant sees and, through the API, what was saved.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from local.stack.__main__ import LocalStack
from tests.support.browser import DESKTOP, PHONE, fits_width, screenshot
from tests.support.merchant import HttpApiClient
from tests.ui.conftest import DEV_TOKEN, SHOP_KEY

expect.set_options(timeout=15_000)

WRONG_KEY = "WRONGKEY0123456789ABCDEFGHIJKLMN"


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    """One tab for the whole walk (the token lives in the tab's session)."""
    context = browser.new_context(viewport=DESKTOP, locale="pl-PL", reduced_motion="reduce")
    tab = context.new_page()
    yield tab
    context.close()


def account_id(api: HttpApiClient) -> str:
    items = api.get("/accounts").json["items"]
    assert len(items) == 1, items
    return str(items[0]["id"])


def section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Sekcje konta").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def map_all(page: Page, hub_label: str, choose: Any) -> list[str]:
    """Chooses a hub entry for every row (``choose(shop_name, options)`` picks the label)."""
    selects = page.get_by_role("combobox", name=re.compile(f"^{hub_label} dla: "))
    expect(selects.first).to_be_visible()
    names = []
    for index in range(selects.count()):
        select = selects.nth(index)
        shop_name = select.evaluate("element => element.labels[0].textContent").split(" dla: ", 1)[1]
        options = [o for o in select.locator("option").all_inner_texts() if not o.startswith("—")]
        select.select_option(label=choose(shop_name, options))
        names.append(shop_name)
    return names


def test_sign_in_refuses_a_wrong_token_then_lets_the_merchant_in(page: Page, panel_url: str) -> None:
    started = time.perf_counter()
    page.goto(panel_url)
    expect(page.get_by_role("heading", name="Zaloguj się do ShopHub")).to_be_visible()
    first_screen = time.perf_counter() - started
    print(f"first screen (sign-in) in {first_screen * 1000:.0f} ms")
    screenshot(page, "01-sign-in")

    page.get_by_label("Token API").fill("not-a-token")
    page.get_by_role("button", name="Zaloguj").click()
    expect(page.get_by_text("Brak lub nieprawidłowy token dostępu.")).to_be_visible()

    # the keyboard alone: the focus is visible on the field, Enter submits
    page.get_by_label("Token API").fill("")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert page.evaluate("document.activeElement.id") == page.get_by_label("Token API").get_attribute("id")
    assert focused != "none"
    page.keyboard.type(DEV_TOKEN)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="PrestaShop: konta")).to_be_visible()
    expect(page.get_by_text("Najpierw dodaj konto")).to_be_visible()
    screenshot(page, "02-accounts-empty")


def test_a_wrong_key_shows_the_shops_answer_and_keeps_the_fields(
    page: Page, local_stack: LocalStack, api: HttpApiClient
) -> None:
    page.get_by_role("link", name="Dodaj konto").first.click()
    expect(page.get_by_role("heading", name="Dodaj konto PrestaShop")).to_be_visible()
    expect(page.get_by_text("Zaawansowane ⇨ API")).to_be_visible()
    page.get_by_label("Nazwa konta").fill("Sklep demo")
    page.get_by_label("Adres sklepu").fill(str(local_stack.shop_url))
    page.get_by_label("Klucz API PrestaShop").fill(WRONG_KEY)
    page.get_by_role("button", name="Zapisz ustawienia").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Wpisane dane integracyjne są niepoprawne. Komunikat błędu API:")
    expect(page.get_by_label("Nazwa konta")).to_have_value("Sklep demo")
    expect(page.get_by_label("Klucz API PrestaShop")).to_have_value(WRONG_KEY)
    expect(page.get_by_label("Klucz API PrestaShop")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "03-add-account-wrong-key")
    assert api.get("/accounts").json["items"] == []


def test_the_right_key_connects_and_discovery_fills_the_payment_mapping(page: Page, api: HttpApiClient) -> None:
    page.get_by_label("Klucz API PrestaShop").fill(SHOP_KEY)
    page.get_by_role("button", name="Zapisz ustawienia").click()
    expect(page.get_by_text("Połączenie jest poprawne.")).to_be_visible()
    screenshot(page, "04-add-account-connected")

    page.get_by_role("link", name="Przejdź do konfiguracji konta").click()
    expect(page.get_by_role("heading", level=1, name="Mapowanie metod płatności")).to_be_visible()
    # the shop's three payment modules with their order counts (messy catalogue: 35 orders)
    expect(page.get_by_role("row", name=re.compile("Payment by check"))).to_contain_text("14")
    expect(page.get_by_text("Niezmapowanych: 3")).to_be_visible()
    assert api.get(f"/accounts/{account_id(api)}/mappings/payments").json["items"] == []


def test_payments_mapped_with_an_entry_added_inline(page: Page, api: HttpApiClient) -> None:
    page.get_by_label("Nowa metoda płatności w ShopHub").fill("Za pobraniem (sklep)")
    page.get_by_role("button", name="Dodaj").click()
    expect(page.get_by_text("Dodano „Za pobraniem (sklep)”")).to_be_visible()

    plan = {"Payment by check": "Czek", "Bank transfer": "Przelew", "Cash on delivery (COD)": "Za pobraniem (sklep)"}
    map_all(page, "Metoda płatności w ShopHub", lambda shop, options: plan[shop])
    expect(page.get_by_text("Wszystko zmapowane.")).to_be_visible()
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    screenshot(page, "05-payments-mapped")

    saved = api.get(f"/accounts/{account_id(api)}/mappings/payments").json
    hub = {entry["id"]: entry["name"] for entry in api.get("/hub/payment-methods").json["items"]}
    assert {item["module"]: hub[item["hub_id"]] for item in saved["items"]} == {
        "ps_checkpayment": "Czek",
        "ps_wirepayment": "Przelew",
        "ps_cashondelivery": "Za pobraniem (sklep)",
    }
    assert saved["unmapped"] == []
    # the section's log shows the change
    expect(page.get_by_role("region", name="Logi czynności: Mapowania").get_by_role("listitem").first).to_be_visible()


def test_fetching_cannot_start_before_the_mappings_and_the_panel_says_which(page: Page, api: HttpApiClient) -> None:
    section(page, "Ustawienia zamówień")
    expect(page.get_by_role("link", name="Najpierw zmapuj metody dostawy")).to_be_visible()
    page.get_by_role("switch", name="Włącz pobieranie zamówień").check()
    page.get_by_role("button", name="Zapisz").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Nie można włączyć pobierania zamówień")
    expect(alert).to_contain_text("Brak mapowania przewoźników.")
    screenshot(page, "06-order-settings-refused")
    assert api.get(f"/accounts/{account_id(api)}/order-settings").json["fetch_enabled"] is False

    alert.get_by_role("link", name="Przejdź do: Mapowanie metod dostawy").click()
    expect(page.get_by_role("heading", level=1, name="Mapowanie metod dostawy")).to_be_visible()


def test_carriers_and_statuses_mapped(page: Page, api: HttpApiClient) -> None:
    carriers = map_all(page, "Metoda dostawy w ShopHub", lambda shop, options: "Kurier")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    assert carriers == ["Click and collect", "My carrier", "My cheap carrier", "My light carrier"]

    section(page, "Mapowanie statusów")
    by_name = {"Canceled": "Anulowane", "Shipped": "Wysłane", "Delivered": "Dostarczone", "Refunded": "Zwrócone"}
    states = map_all(page, "Status w ShopHub", lambda shop, options: by_name.get(shop, "W realizacji"))
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    expect(page.get_by_text("Wszystko zmapowane.")).to_be_visible()
    screenshot(page, "07-statuses-mapped")
    saved = api.get(f"/accounts/{account_id(api)}/mappings/statuses").json
    assert len(saved["items"]) == len(states) == 17
    assert saved["unmapped"] == []


def test_order_settings_saved_with_fetching_on(page: Page, api: HttpApiClient) -> None:
    section(page, "Ustawienia zamówień")
    expect(page.get_by_role("link", name="Najpierw zmapuj metody dostawy")).to_have_count(0)
    page.get_by_role("switch", name="Włącz pobieranie zamówień").check()
    page.get_by_label("Pobieraj zamówienia od daty").fill("2020-01-01T00:00")
    page.get_by_label("Zamówienia pobieraj do statusu").select_option(label="Nowe")
    updates = page.get_by_role("group", name="Wybierz statusy, w których zamówienia będą się aktualizować")
    updates.get_by_label("Nowe", exact=True).check()
    updates.get_by_label("W realizacji").check()
    for name in ("Aktualizuj statusy zamówień", "Wysyłaj numery listów przewozowych", "Aktualizuj stany magazynowe"):
        page.get_by_role("switch", name=name).check()
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    screenshot(page, "08-order-settings")

    saved = api.get(f"/accounts/{account_id(api)}/order-settings").json
    assert saved["fetch_enabled"] is True
    assert saved["landing_status"] == "nowe"
    assert set(saved["update_statuses"]) == {"nowe", "w-realizacji"}
    assert saved["sync"] == {
        "update_statuses": True,
        "send_tracking_numbers": True,
        "send_documents": False,
        "push_statuses": False,
    }
    assert saved["products"]["update_stock"] is True
    assert saved["fetch_from"].startswith("2020-01-01") or saved["fetch_from"].startswith("2019-12-31")


def test_field_mapping_keeps_the_advice_and_saves_a_change(page: Page, api: HttpApiClient) -> None:
    section(page, "Mapowania pól produktów")
    expect(page.get_by_text("Zalecamy pozostawienie ustawień domyślnych")).to_be_visible()
    expect(page.get_by_label("EAN", exact=True)).to_have_value("ean13")
    expect(page.get_by_label("Symbol", exact=True)).to_have_value("reference")
    page.get_by_label("Numer katalogowy").select_option("supplier_reference")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    screenshot(page, "09-field-mapping")
    saved = api.get(f"/accounts/{account_id(api)}/field-mapping").json
    assert saved == {"ean": "ean13", "symbol": "reference", "catalog_number": "supplier_reference"}


def test_templates_two_made_the_default_moved_and_a_delete_refused(page: Page, api: HttpApiClient) -> None:
    section(page, "Importy")
    blocked = page.get_by_role("status").filter(has_text="konto nie ma domyślnego szablonu")
    expect(blocked).to_be_visible()
    expect(page.get_by_role("button", name="Importuj produkty")).to_have_count(0)
    blocked.get_by_role("link", name="Szablony ustawień").click()
    expect(page.get_by_role("heading", level=1, name="Szablony ustawień")).to_be_visible()
    expect(page.get_by_text("Najpierw dodaj szablon")).to_be_visible()
    page.get_by_role("button", name="Nowy szablon").first.click()
    page.get_by_label("Nazwa szablonu").fill("Pełna synchronizacja")
    page.get_by_role("button", name="Dodaj szablon").click()
    first = page.get_by_role("listitem", name="Pełna synchronizacja")
    expect(first.get_by_text("Domyślny", exact=True)).to_be_visible()

    page.get_by_role("button", name="Nowy szablon").click()
    page.get_by_label("Nazwa szablonu").fill("Tylko stany")
    for name in ("Opis przedmiotu", "Cennik dostaw", "Cena produktów"):
        page.get_by_role("switch", name=name).uncheck()
    page.get_by_role("button", name="Dodaj szablon").click()
    second = page.get_by_role("listitem", name="Tylko stany")
    expect(second).to_contain_text("Synchronizuje: Stan magazynowy")
    expect(second.get_by_text("Domyślny", exact=True)).to_have_count(0)

    second.get_by_role("button", name="Ustaw jako domyślny").click()
    expect(page.get_by_text("„Tylko stany” jest teraz szablonem domyślnym.")).to_be_visible()
    expect(page.get_by_role("listitem", name="Tylko stany").get_by_text("Domyślny", exact=True)).to_be_visible()
    expect(page.get_by_role("listitem", name="Pełna synchronizacja").get_by_text("Domyślny", exact=True)).to_have_count(
        0
    )

    default = page.get_by_role("listitem", name="Tylko stany")
    default.get_by_role("button", name="Usuń").click()
    default.get_by_role("group").get_by_role("button", name="Usuń").click()
    expect(default.get_by_role("alert")).to_contain_text("Nie można usunąć domyślnego szablonu „Tylko stany”")
    screenshot(page, "10-templates")

    templates = api.get(f"/accounts/{account_id(api)}/templates").json["items"]
    assert {t["name"]: t["default"] for t in templates} == {"Pełna synchronizacja": False, "Tylko stany": True}
    expect(page.get_by_role("region", name="Logi czynności: Szablony ustawień")).to_contain_text("Tylko stany")


def test_the_english_switch_translates_the_panel_and_the_apis_messages_and_is_remembered(page: Page) -> None:
    page.get_by_role("button", name="Switch to English").click()
    expect(page.get_by_role("heading", level=1, name="Settings templates")).to_be_visible()
    default = page.get_by_role("listitem", name="Tylko stany")
    default.get_by_role("button", name="Delete").click()
    default.get_by_role("group").get_by_role("button", name="Delete").click()
    expect(default.get_by_role("alert")).to_contain_text('The default template "Tylko stany" cannot be deleted.')

    page.reload()
    expect(page.get_by_role("heading", level=1, name="Settings templates")).to_be_visible()
    expect(page.get_by_role("navigation", name="Account sections")).to_contain_text("Payment method mapping")
    screenshot(page, "11-templates-english")
    page.get_by_role("button", name="Przełącz na polski").click()
    expect(page.get_by_role("heading", level=1, name="Szablony ustawień")).to_be_visible()


def test_the_account_list_and_the_account_page_show_the_account(page: Page, local_stack: LocalStack) -> None:
    page.get_by_role("link", name="PrestaShop", exact=True).click()
    row = page.get_by_role("row", name=re.compile("Sklep demo"))
    expect(row).to_contain_text(str(local_stack.shop_url))
    expect(row).to_contain_text("Połączone")
    expect(
        page.get_by_role("button", name="Dodaj konto").or_(page.get_by_role("link", name="Dodaj konto"))
    ).to_be_visible()
    screenshot(page, "12-accounts")
    row.get_by_role("link", name="Sklep demo").click()
    section(page, "Dane konta")
    expect(page.get_by_text("Zostają w ShopHub: pobrane zamówienia")).to_be_hidden()
    page.get_by_role("button", name="Usuń konto…").click()
    expect(page.get_by_text("Zostają w ShopHub: pobrane zamówienia")).to_be_visible()
    expect(page.get_by_role("button", name="Tak, usuń konto „Sklep demo”")).to_be_visible()
    page.get_by_role("button", name="Anuluj").click()
    screenshot(page, "13-account-details")


def test_editing_the_account_checks_a_new_key_again(page: Page, api: HttpApiClient) -> None:
    page.get_by_label("Nazwa konta").fill("Sklep demo PL")
    page.get_by_label("Klucz API PrestaShop").fill(WRONG_KEY)
    page.get_by_role("button", name="Zapisz ustawienia").click()
    expect(page.get_by_role("alert").first).to_contain_text("Wpisane dane integracyjne są niepoprawne.")
    assert api.get(f"/accounts/{account_id(api)}").json["name"] == "Sklep demo"

    page.get_by_label("Klucz API PrestaShop").fill("")
    page.get_by_role("button", name="Zapisz ustawienia").click()
    expect(page.get_by_text("Zapisano.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name="Sklep demo PL")).to_be_visible()
    assert api.get(f"/accounts/{account_id(api)}").json["name"] == "Sklep demo PL"


def test_the_tenant_log_filters_by_section(page: Page) -> None:
    page.get_by_role("link", name="Logi czynności", exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name="Logi czynności")).to_be_visible()
    page.get_by_label("Sekcja").select_option(label="Szablony ustawień")
    entries = page.locator(".log-entry")
    expect(entries.first).to_be_visible()
    expect(entries.filter(has_not_text="Szablony ustawień")).to_have_count(0)
    expect(entries).to_have_count(5)  # two created, one made default, two deletes refused (Polish, then English)
    entries.first.get_by_text("Szczegóły").click()
    expect(entries.first.locator("dl")).to_be_visible()
    screenshot(page, "14-tenant-log")


def test_a_phone_sized_screen_needs_no_horizontal_scrolling(page: Page, api: HttpApiClient) -> None:
    page.set_viewport_size(PHONE)
    try:
        page.get_by_role("link", name="PrestaShop", exact=True).click()
        expect(page.get_by_role("heading", name="PrestaShop: konta")).to_be_visible()
        assert fits_width(page)
        screenshot(page, "15-phone-accounts")
        page.get_by_role("link", name="Sklep demo PL").click()
        section(page, "Mapowanie statusów")
        expect(page.get_by_text("Wszystko zmapowane.")).to_be_visible()
        assert fits_width(page)
        screenshot(page, "16-phone-statuses")
        section(page, "Ustawienia zamówień")
        assert fits_width(page)
    finally:
        page.set_viewport_size(DESKTOP)


def test_deleting_the_account_says_what_is_kept_and_returns_to_the_list(page: Page, api: HttpApiClient) -> None:
    page.get_by_role("link", name="PrestaShop", exact=True).click()
    page.get_by_role("link", name="Sklep demo PL").click()
    section(page, "Dane konta")
    page.get_by_role("button", name="Usuń konto…").click()
    confirmation = page.get_by_role("group", name="Usuń konto")
    expect(confirmation).to_contain_text("Zostają w ShopHub: pobrane zamówienia")
    confirmation.get_by_role("button", name="Tak, usuń konto „Sklep demo PL”").click()
    expect(page.get_by_text("Usunięto konto „Sklep demo PL”.")).to_be_visible()
    expect(page.get_by_text("Najpierw dodaj konto")).to_be_visible()
    assert api.get("/accounts").json["items"] == []


def test_signing_out_and_an_ended_session_return_to_sign_in(page: Page, panel_url: str) -> None:
    page.get_by_role("button", name="Wyloguj").click()
    expect(page.get_by_role("heading", name="Zaloguj się do ShopHub")).to_be_visible()
    expect(page.get_by_text("Wylogowano.")).to_be_visible()
    page.goto(panel_url + "integrations/prestashop")
    expect(page.get_by_role("heading", name="Zaloguj się do ShopHub")).to_be_visible()

    # a token the API no longer accepts (revoked, expired): the first 401 ends the session
    page.evaluate(f"sessionStorage.setItem('shophub.token', {json.dumps('revoked-token')})")
    page.goto(panel_url + "logs")
    expect(page.get_by_text("Sesja wygasła lub token został unieważniony.")).to_be_visible()
    page.get_by_label("Token API").fill(DEV_TOKEN)
    page.get_by_role("button", name="Zaloguj").click()
    # back where the session ended
    expect(page.get_by_role("heading", level=1, name="Logi czynności")).to_be_visible()
