"""Merchant panel II in Chromium: the seed's flow after the account is set up (set up here
through the API, as panel I's test does it through the browser): an import with stock whose
progress bar moves to 100%, a second import aborted, linking by API and by file (one bad line,
its reason shown), a stock change reaching the shop with its report, orders fetched now, an
order opened and a tracking number reaching the shop, two sections' logs, every screen at 390 px,
a shop that stops answering shown on its account until it is back, and an import from a back
office file with its refused line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from local.stack.__main__ import LocalStack
from tests.support.browser import DESKTOP, PHONE, fits_width, progress_values, screenshot, sign_in
from tests.support.merchant import LocalStackHub, MerchantAccount
from tests.ui.conftest import DEV_TOKEN

expect.set_options(timeout=20_000)


@pytest.fixture(scope="module")
def stack_config() -> dict[str, Any]:
    """A catalogue of several import chunks (about 260 products), so the progress bar has steps."""
    return {"shop_products": 240}


@pytest.fixture(scope="module")
def account(local_stack: LocalStack) -> Iterator[MerchantAccount]:
    """The shop added, everything mapped, a default template that syncs stock, fetching on."""
    hub = LocalStackHub(local_stack, DEV_TOKEN)
    merchant = MerchantAccount.connect(hub, local_stack.shop, "dev", name="Sklep demo", language="pl")
    yield merchant
    hub.close()


@pytest.fixture(scope="module")
def page(browser: Browser, panel_url: str, account: MerchantAccount) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, locale="pl-PL", reduced_motion="reduce", accept_downloads=True)
    tab = context.new_page()
    sign_in(tab, panel_url, DEV_TOKEN)
    yield tab
    context.close()


def open_section(page: Page, panel_url: str, account: MerchantAccount, name: str) -> None:
    page.goto(f"{panel_url}integrations/prestashop/{account.account_id}")
    page.get_by_role("navigation", name="Sekcje konta").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1, name=name)).to_be_visible()


def linked_offer(account: MerchantAccount) -> tuple[dict[str, Any], dict[str, Any]]:
    """A hub product and its offer in the shop whose stock row the hub writes."""
    for summary in account.client.get("/products", query="limit=100").json["items"]:
        product = account.client.get(f"/products/{summary['id']}").json
        for offer in product["offers"]:
            if offer["account_id"] == account.account_id and offer["stock_sync"] == "sent":
                return product, offer
    raise AssertionError("no product linked to the shop with a stock row")


def finished(page: Page) -> bool:
    return page.get_by_text(re.compile("^(Zakończony|Przerwany|Nieudany)$")).count() > 0


def test_an_import_with_stock_shows_its_progress_to_100_percent(
    page: Page, panel_url: str, account: MerchantAccount, local_stack: LocalStack
) -> None:
    open_section(page, panel_url, account, "Importy")
    expect(page.get_by_text("Nie edytuj produktów w sklepie w trakcie importu")).to_be_visible()
    page.get_by_label("Wybierz unikalny identyfikator").select_option("symbol")
    expect(page.get_by_role("switch", name="Zaimportuj wraz ze stanem magazynowym")).to_be_checked()
    expect(page.get_by_role("switch", name="Zaimportuj tylko aktywne produkty")).to_be_checked()
    screenshot(page, "20-imports-form")
    # every product (not only the active ones): three chunks of up to 100, two at a time
    page.get_by_role("switch", name="Zaimportuj tylko aktywne produkty").click()
    # a shop slow enough for the bar to be seen moving: a chunk of 100 products takes a few requests,
    # about 4 s at 1 s each, and the panel reads the progress every second
    local_stack.shop.set_latency(1000)
    try:
        page.get_by_role("button", name="Importuj produkty").click()
        expect(page.get_by_role("progressbar", name="Postęp importu")).to_be_visible()
        expect(page.get_by_text(re.compile("Przygotowanie do importu|Import właściwy")).first).to_be_visible()
        seen = progress_values(
            page, lambda: finished(page), midway=lambda: screenshot(page, "21-import-running", full_page=False)
        )
    finally:
        local_stack.shop.set_latency(0)
    expect(page.get_by_text("Zakończony", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    assert any(0 < value < 100 for value in seen), seen
    assert seen == sorted(seen), seen  # never backwards
    screenshot(page, "22-import-finished")

    job = account.client.get(f"/accounts/{account.account_id}/imports").json["items"][0]
    assert job["status"] == "finished" and job["created"] > 0
    page.get_by_label("Pokaż pozycje").select_option(label="Utworzone")
    rows = page.locator("table.list tbody tr")
    expect(rows.first).to_be_visible()
    expect(rows.filter(has_not_text="Utworzone")).to_have_count(0)
    page.get_by_label("Pokaż pozycje").select_option(label="Pominięte")
    expect(
        page.locator("table.list tbody tr").first.or_(page.get_by_text("Brak pozycji o tym statusie."))
    ).to_be_visible()


def test_a_second_import_is_aborted(
    page: Page, panel_url: str, account: MerchantAccount, local_stack: LocalStack
) -> None:
    open_section(page, panel_url, account, "Importy")
    page.get_by_label("Wybierz unikalny identyfikator").select_option("symbol")
    local_stack.shop.set_latency(1500)
    try:
        page.get_by_role("button", name="Importuj produkty").click()
        page.get_by_role("button", name="Przerwij").click()
        expect(page.get_by_text("Przerwany", exact=True)).to_be_visible()
    finally:
        local_stack.shop.set_latency(0)
    account.hub.settle()
    statuses = [job["status"] for job in account.client.get(f"/accounts/{account.account_id}/imports").json["items"]]
    assert statuses[0] == "aborted"


def test_linking_by_api(page: Page, panel_url: str, account: MerchantAccount) -> None:
    open_section(page, panel_url, account, "Importy")
    page.get_by_label("Powiąż produkty", exact=True).check()
    page.get_by_label("Automatycznie przez API").check()
    page.get_by_label("Wybierz unikalny identyfikator").select_option("symbol")
    page.get_by_role("button", name="Powiąż produkty").click()
    expect(page.get_by_role("heading", level=1, name="Powiązanie produktów")).to_be_visible()
    expect(page.get_by_text("Zakończony", exact=True)).to_be_visible()
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")


def test_the_links_file_downloaded_edited_and_uploaded_with_one_bad_line(
    page: Page, panel_url: str, account: MerchantAccount, tmp_path: Path
) -> None:
    open_section(page, panel_url, account, "Importy")
    page.get_by_label("Powiąż produkty", exact=True).check()
    page.get_by_label("Powiąż produkty ręcznie").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Pobierz plik powiązań").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    shop_rows = [row for row in rows if row["shop_product_id"]]
    hub_rows = [row for row in rows if row["hub_product_id"]]
    assert shop_rows and hub_rows

    good, bad = shop_rows[0], shop_rows[1]
    good["hub_product_id"] = hub_rows[0]["hub_product_id"]
    bad["hub_product_id"] = "999999999"  # no such hub product
    edited = io.StringIO()
    writer = csv.DictWriter(edited, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([good, bad])
    upload = tmp_path / "links.csv"
    upload.write_text(edited.getvalue(), encoding="utf-8")

    page.get_by_label("Umieść zaktualizowany plik").set_input_files(str(upload))
    page.get_by_role("button", name="Powiąż produkty").click()
    result = page.get_by_role("region", name="Wynik powiązania")
    expect(result).to_be_visible()
    expect(result.get_by_role("row", name=re.compile("^3 "))).to_contain_text("999999999")
    expect(result.locator(".counters")).to_contain_text("Odrzucone1")
    screenshot(page, "23-links-file-result")


def test_a_stock_change_reaches_the_shop_and_its_report_opens(
    page: Page, panel_url: str, account: MerchantAccount, local_stack: LocalStack
) -> None:
    product, offer = linked_offer(account)
    page.goto(f"{panel_url}products")
    expect(page.get_by_role("heading", level=1, name="Produkty")).to_be_visible()
    page.get_by_label("Szukaj produktu").fill(product["name"].upper())
    page.get_by_role("button", name="Szukaj").click()
    found = page.locator("table.list tbody tr")
    expect(found.first).to_be_visible()
    expect(found.filter(has_not_text=product["name"])).to_have_count(0)
    screenshot(page, "23b-products-search")
    found.get_by_role("link", name=product["name"]).first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile(re.escape(product["name"])))).to_be_visible()
    if page.url.rsplit("/", 1)[1] != str(product["id"]):
        page.goto(f"{panel_url}products/{product['id']}")
    page.get_by_label("Stan magazynowy").fill("42")
    page.get_by_role("button", name="Zapisz").click()
    expect(page.get_by_text("Zapisano; wysyłka do sklepów w kolejce.")).to_be_visible()
    shop_row = page.get_by_role("row", name=re.compile("Sklep demo")).first
    expect(shop_row).to_contain_text(re.compile(r"42\s*wysłano"))  # the stock in the shop, pushed
    screenshot(page, "24-product-stock-sent")
    row = local_stack.shop.data.stock_row_for(offer["shop_product_id"], offer["shop_combination_id"])
    assert int(row["quantity"]) == 42

    open_section(page, panel_url, account, "Raporty")
    page.get_by_role("button", name="Pokaż raport").first.click()
    expect(page.get_by_role("heading", level=1, name="Raport: Stany magazynowe")).to_be_visible()
    entry = page.get_by_role("row").filter(has=page.get_by_role("link", name=str(product["id"]), exact=True))
    expect(entry.first).to_contain_text("42")
    screenshot(page, "25-stock-report")


def test_orders_fetched_now_an_order_opened_and_a_tracking_number_reaches_the_shop(
    page: Page, panel_url: str, account: MerchantAccount, local_stack: LocalStack
) -> None:
    page.goto(f"{panel_url}orders")
    page.get_by_label("Konto").select_option(label="Sklep demo")
    page.get_by_role("button", name="Pobierz zamówienia teraz").click()
    expect(page.get_by_text("Zlecono pobranie zamówień.")).to_be_visible()
    rows = page.locator("table.list tbody tr")
    expect(rows.first).to_be_visible()
    screenshot(page, "26-orders")

    rows.first.get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile("^Zamówienie "))).to_be_visible()
    expect(page.get_by_role("heading", name="Historia statusów")).to_be_visible()
    order_id = page.url.rsplit("/", 1)[1]
    shop_order_id = int(order_id.rsplit("-", 1)[1])
    page.get_by_role("textbox", name="Numer listu przewozowego").fill("PL1234567890")
    page.get_by_role("button", name="Wyślij numer").click()
    expect(page.get_by_role("row", name=re.compile("PL1234567890"))).to_contain_text("wysłano")
    screenshot(page, "27-order")
    carrier = local_stack.shop.data.order_carrier(shop_order_id)
    assert carrier is not None and carrier["tracking_number"] == "PL1234567890"


def test_the_logs_of_two_sections(page: Page, panel_url: str, account: MerchantAccount) -> None:
    open_section(page, panel_url, account, "Logi czynności")
    for label in ("Importy", "Zamówienia"):
        page.get_by_label("Sekcja").select_option(label=label)
        entries = page.locator(".log-entry")
        expect(entries.first).to_be_visible()
        expect(entries.filter(has_not_text=label)).to_have_count(0)
    screenshot(page, "28-account-log-orders")


def test_every_screen_fits_a_phone(page: Page, panel_url: str, account: MerchantAccount) -> None:
    job = account.client.get(f"/accounts/{account.account_id}/imports").json["items"][-1]["id"]
    report = account.client.get(f"/accounts/{account.account_id}/reports").json["items"][0]["id"]
    order = account.orders()[0]["id"]
    product = linked_offer(account)[0]["id"]
    base = f"{panel_url}integrations/prestashop/{account.account_id}"
    screens = {
        "imports": (f"{base}/imports", "Importy"),
        "import": (f"{base}/imports/{job}", "Import produktów"),
        "reports": (f"{base}/reports", "Raporty"),
        "report": (f"{base}/reports/{report}", re.compile("^Raport: ")),
        "orders": (f"{panel_url}orders", "Zamówienia"),
        "order": (f"{panel_url}orders/{order}", re.compile("^Zamówienie ")),
        "products": (f"{panel_url}products", "Produkty"),
        "product": (f"{panel_url}products/{product}", re.compile(".")),
        "log": (f"{panel_url}logs", "Logi czynności"),
    }
    page.set_viewport_size(PHONE)
    try:
        for name, (url, heading) in screens.items():
            page.goto(url)
            expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert fits_width(page), name
            screenshot(page, f"30-phone-{name}")
    finally:
        page.set_viewport_size(DESKTOP)


def test_a_shop_that_stops_answering_shows_on_its_account_and_clears_when_it_is_back(
    page: Page, panel_url: str, account: MerchantAccount, local_stack: LocalStack
) -> None:
    shop = local_stack.shop
    shop.inject_fault("503", count=100_000, path_prefix="orders")
    notice = page.get_by_text(re.compile("^Sklep nie odpowiada: automatyczne pobieranie zamówień wstrzymano do "))
    try:
        # When the merchant asks for orders and every attempt fails
        page.goto(f"{panel_url}integrations/prestashop/{account.account_id}")
        page.get_by_role("button", name="Pobierz zamówienia teraz").click()
        expect(page.get_by_text("Zlecono pobranie zamówień.")).to_be_visible()

        # Then (after the poll's five deliveries) the account's page says the shop does not
        # answer and fetching is parked
        for _ in range(120):
            page.reload()
            expect(page.get_by_role("heading", level=1, name="Sklep demo")).to_be_visible()
            if notice.count():
                break
            page.wait_for_timeout(1000)
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("Żadne zamówienie nie przepadnie")
        screenshot(page, "29-account-shop-not-answering")
    finally:
        shop.clear_faults()

    # When the shop answers again and the merchant asks once more, the notice goes away
    page.get_by_role("button", name="Pobierz zamówienia teraz").click()
    for _ in range(30):
        page.wait_for_timeout(1000)
        page.reload()
        expect(page.get_by_role("heading", level=1, name="Sklep demo")).to_be_visible()
        if not notice.count():
            break
    expect(notice).to_have_count(0)


def test_an_import_from_a_back_office_file_with_a_refused_line(
    page: Page, panel_url: str, account: MerchantAccount, local_stack: LocalStack, tmp_path: Path
) -> None:
    data = local_stack.shop.data
    lines = ["Product ID;Active (0/1);Name *;Reference #;EAN13;Quantity"]
    for product_id in (1, 2, 3):
        product = data.product(product_id)
        lines.append(f"{product_id};1;{product['name'][2]};{product['reference']};{product['ean13']};5")
    lines.append(";1;Produkt bez identyfikatora w sklepie;NOWY-1;;1")  # no shop product id: refused
    export = tmp_path / "produkty.csv"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")

    # When the merchant uploads the back office's file to link its products by EAN
    open_section(page, panel_url, account, "Importy")
    page.get_by_label("Z pliku eksportu sklepu").check()
    page.get_by_label("Plik eksportu (CSV)").set_input_files(export)
    page.get_by_label("Co zrobić z produktami z pliku").select_option(label="Powiąż produkty")
    screenshot(page, "31-import-from-file")
    page.get_by_role("button", name="Uruchom import z pliku").click()

    # Then the run shows what the file held, finishes, and lists the refused line with its reason
    expect(page.get_by_role("heading", level=1, name="Powiązanie produktów")).to_be_visible()
    expect(
        page.get_by_text("Plik: plik importu produktów, wierszy danych: 4, pustych: 0, odrzuconych: 1")
    ).to_be_visible()
    expect(page.get_by_text(re.compile("^Zakończony$"))).to_be_visible(timeout=60_000)
    expect(page.get_by_role("heading", level=2, name="Odrzucone wiersze pliku")).to_be_visible()
    heading = page.get_by_role("heading", level=2, name="Odrzucone wiersze pliku")
    rows = heading.locator("xpath=..").locator("tbody tr")  # the refusals' own section
    expect(rows).to_have_count(1)
    expect(rows.first.locator("td").first).to_have_text("5")  # the file's fifth line (the header is the first)
    expect(rows.first).to_contain_text("Wiersz nie ma numeru produktu sklepu")
    screenshot(page, "32-import-from-file-refusals")
