"""A links file of 100,000 lines: accepted as a job (202), worked through by the importer from
``ImportQueue`` in chunks, every line accounted for in the job's counters and its report, no
answer over 1 MB, and the shop asked about the file's unknown products in batches."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from typing import Any

from tests.support.aws import presigned_object
from tests.support.linking import hub_products
from tests.support.links import HEADER, answer_size, assert_every_line_counted, json_of, post_links_file

Factory = Any
LINES = 100_000
ANSWER_MAX = 1024 * 1024
#: What the shop may be asked for 100,000 lines naming ~94,000 products it does not have: the
#: old one-read-per-50-products would have taken ~1,900 requests.
SHOP_REQUESTS_MAX = 300


def big_file(hubs: list[int]) -> tuple[str, Counter[str]]:
    """The file's text and the outcome each of its lines must get."""
    expected: Counter[str] = Counter()
    rows = [HEADER]
    for i in range(LINES):
        hub = hubs[i % len(hubs)]
        if i < 9:  # shop products 1-9: no import listed them, the shop confirms them
            rows.append(f"{hub},,,,,{i + 1},0,")
            expected["linked"] += 1
        elif i == 9:  # shop product 10: already linked to hubs[0] before
            rows.append(f"{hubs[0]},,,,,10,0,")
            expected["unchanged"] += 1
        elif i % 100 == 10:
            rows.append("")
            expected["skipped"] += 1
        elif i % 100 == 20:
            rows.append(f"{hub},Hub only,,,,,,")
            expected["skipped"] += 1
        elif i % 100 == 30:
            rows.append(f"{hub},Short")
            expected["rejected"] += 1
        elif i % 100 == 40:
            rows.append("abc,,,,,5,0,")
            expected["rejected"] += 1
        elif i % 100 == 50:
            rows.append(f"999999,,,,,{1000 + i},0,")
            expected["rejected"] += 1
        elif i % 100 == 60:
            rows.append(f"{hub},,,,,1,0,")  # shop product 1 again
            expected["rejected"] += 1
        else:  # a product the shop does not have
            rows.append(f"{hub},,,,,{1000 + i},0,")
            expected["rejected"] += 1
    return "\r\n".join(rows) + "\r\n", expected


def test_a_100000_line_file_runs_as_a_job_with_every_line_accounted_for(world_factory: Factory) -> None:
    # Given three hub products, a shop of 10 products and one of them linked already
    world = world_factory(products=10, combinations=0)
    hubs = hub_products(world, "A", "B", "C")
    account = world.account()
    client = world.api()
    assert json_of(post_links_file(account.id, f"{HEADER}\n{hubs[0]},,,,,10,0,\n".encode()))["linked"] == 1
    text, expected = big_file(hubs)
    world.sim.reset_requests()

    # When the file of 100,000 lines is uploaded
    started = time.monotonic()
    answer = post_links_file(account.id, text.encode())
    upload_seconds = time.monotonic() - started

    # Then it is accepted as a job at once (nothing settled in the request)
    assert answer.status == 202, answer.text
    job = json_of(answer)
    assert (job["status"], job["lines"]) == ("running", LINES)
    assert answer_size(answer) < 200
    assert upload_seconds < 10
    progress = client.get(f"/accounts/{account.id}/links/jobs/{job['id']}")
    assert (progress.status, progress.json["processed"], progress.json["percent"]) == (200, 0, 0)
    early_report = client.get(f"/accounts/{account.id}/links/jobs/{job['id']}/report")
    assert (early_report.status, early_report.json["error"]["code"]) == (409, "links_job_running")

    # When the importer works through ImportQueue
    started = time.monotonic()
    world.drain()
    job_seconds = time.monotonic() - started

    # Then the job has finished with every line counted once, as the file says
    done = client.get(f"/accounts/{account.id}/links/jobs/{job['id']}")
    assert done.status == 200, done.text
    result = done.json
    assert result["status"] == "finished"
    assert (result["lines"], result["processed"], result["percent"]) == (LINES, LINES, 100)
    assert {k: result[k] for k in ("linked", "unchanged", "skipped", "rejected")} == {
        "linked": expected["linked"],
        "unchanged": expected["unchanged"],
        "skipped": expected["skipped"],
        "rejected": expected["rejected"],
    }
    assert_every_line_counted(result)
    assert result["report_ready"] is True
    assert answer_size(done) < ANSWER_MAX
    assert sorted(o.shop_product_id for o in world.offers(account)) == list(range(1, 11))

    # and the shop was asked about the unknown products in batches
    shop_requests = len(world.sim.requests)
    assert shop_requests <= SHOP_REQUESTS_MAX

    # and the report lists every rejected line with its reason, behind a download link
    report = client.get(f"/accounts/{account.id}/links/jobs/{job['id']}/report")
    assert report.status == 303, report.text
    assert answer_size(report) < ANSWER_MAX
    report_object = presigned_object(world.container, report.headers["location"])
    table = list(csv.reader(io.StringIO(report_object.decode("utf-8-sig"))))
    assert table[0] == ["line", "reason"]
    assert len(table) - 1 == expected["rejected"]
    reasons = dict((int(line), reason) for line, reason in table[1:])
    assert reasons[1002] == "The shop has no variant 2000/0."  # i = 1000 → line 1002
    assert reasons[32] == "Malformed row: it has 2 columns, at least 7 are needed (up to shop_combination_id)."
    assert reasons[62] == "Variant 1/0 appears in the file again (first on line 2)."
    # and the uploaded file is gone (the report stays until the bucket's lifecycle removes it)
    stored = world.container.s3.list_objects_v2(Bucket=world.container.settings.links_bucket)["Contents"]
    assert [o["Key"].rsplit("/", 1)[-1] for o in stored] == ["report.csv"]

    print(
        f"\nlinks job of {LINES} lines: upload {upload_seconds:.1f} s ({answer_size(answer)} B answer), "
        f"importer {job_seconds:.1f} s, {shop_requests} shop requests, progress answer {answer_size(done)} B, "
        f"report {len(report_object) / 1e6:.1f} MB behind a {answer_size(report)} B 303, "
        f"file {len(text.encode()) / 1e6:.1f} MB"
    )


def test_1000_lines_answer_at_once_and_1001_become_a_job(world_factory: Factory) -> None:
    # Given 1,000 pairs naming products the shop does not have
    world = world_factory(products=3, combinations=0)
    [hub] = hub_products(world, "A")
    account = world.account()
    rows = [f"{hub},,,,,{5000 + i},0," for i in range(1000)]
    world.sim.reset_requests()

    # When they are uploaded, they are settled in the request: each rejected with its reason
    started = time.monotonic()
    answer = post_links_file(account.id, "\n".join([HEADER, *rows]).encode())
    seconds = time.monotonic() - started
    assert answer.status == 200, answer.text
    result = json_of(answer)
    assert (result["lines"], result["rejected_total"], len(result["rejected"])) == (1000, 1000, 1000)
    assert result["rejected"][0] == {"line": 2, "reason": "The shop has no variant 5000/0."}
    assert_every_line_counted(result)
    assert answer_size(answer) < ANSWER_MAX
    assert seconds < 10
    assert len(world.sim.requests) <= 3  # one existence check for the 1,000 products (split by URL length)
    print(
        f"\n1,000 rejected lines at once: {seconds:.2f} s, {answer_size(answer)} B, {len(world.sim.requests)} shop requests"
    )

    # and one line more makes it a job
    answer = post_links_file(account.id, "\n".join([HEADER, *rows, f"{hub},,,,,1,0,"]).encode())
    assert answer.status == 202, answer.text
    assert json_of(answer)["lines"] == 1001


def test_a_job_goes_on_in_a_new_invocation_when_the_deadline_nears(world_factory: Factory) -> None:
    from shophub.services.link_jobs import LinkJobMessage

    # Given a job of 2,500 lines (three chunks)
    world = world_factory(products=3, combinations=0)
    [hub] = hub_products(world, "A")
    account = world.account()
    client = world.api()
    rows = [f"{hub},,,,,{i + 1},0," if i < 3 else "" for i in range(2500)]
    answer = post_links_file(account.id, ("\n".join([HEADER, *rows]) + "\n").encode())
    assert answer.status == 202, answer.text
    assert json_of(answer)["lines"] == 2500
    job_id = json_of(answer)["id"]
    service = world.container.link_job_service

    # When each invocation has only 10 s left: one chunk each, then the message is queued again
    processed = []
    for _ in range(3):
        [body] = world.take()
        assert body == {"kind": "links_file", "tenant_id": "tenant-a", "account_id": account.id, "job_id": job_id}
        service.handle(LinkJobMessage.model_validate(body), deadline=lambda: 10.0)
        processed.append(client.get(f"/accounts/{account.id}/links/jobs/{job_id}").json["processed"])

    # Then the job moved on chunk by chunk and finished
    assert processed == [1000, 2000, 2500]
    assert world.queued_count() == 0
    result = client.get(f"/accounts/{account.id}/links/jobs/{job_id}").json
    assert (result["status"], result["linked"], result["skipped"], result["rejected"]) == ("finished", 3, 2497, 0)
    assert_every_line_counted(result)

    # and a late repeated delivery changes nothing
    service.handle(LinkJobMessage(tenant_id="tenant-a", account_id=account.id, job_id=job_id))
    assert client.get(f"/accounts/{account.id}/links/jobs/{job_id}").json == result


def test_the_links_bucket_is_private_encrypted_and_expires_its_files(stack: Any) -> None:
    s3 = stack.container.s3
    bucket = stack.container.settings.links_bucket
    assert bucket == stack.stack.bucket_names["LinksBucket"]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert encryption[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert (rule["Status"], rule["Expiration"]["Days"]) == ("Enabled", 7)
