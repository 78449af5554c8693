"""A wave's packing slips printed by a real Celery worker, whose task lays the parts out in a pool of
processes of its own (child processes started from inside the worker's prefork child) and
joins them: one PDF, the orders in order, each order's pages numbered from 1."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from orders.jobs.models import BulkJob
from orders.jobs.runner import job_submit
from tests.conftest import wait_for
from tests.factories import make_order

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
PDFTOTEXT = shutil.which("pdftotext")


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_worker_prints_a_wave_in_parts_by_processes_of_its_own(users, celery_worker_factory):
    orders = [make_order() for _ in range(5)]
    worker = celery_worker_factory(DOCUMENT_PART_SHEETS=2, DOCUMENT_RENDER_PROCESSES=2)
    job = job_submit(
        user=users["warehouse"], action_code="print_slips", selection={"tab": "all", "query": ""}, params={}
    )
    wait_for(
        lambda: BulkJob.objects.get(pk=job.pk).state in {"done", "failed"},
        timeout=90,
        message=f"the slips job\n{worker.output()[-3000:]}",
    )
    job.refresh_from_db()
    assert (job.state, job.done_count) == ("done", 5), worker.output()[-3000:]

    pdf = (Path(settings.MEDIA_ROOT) / job.file).read_bytes()
    text = subprocess.run([PDFTOTEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    pages = [page for page in text.stdout.decode().split("\f") if page.strip()]
    footers = [re.search(r"(PL-\d+) · page (\d+)", page).groups() for page in pages]
    assert footers == [(order.display_number, "1") for order in orders]
    assert "daemonic" not in worker.output()
