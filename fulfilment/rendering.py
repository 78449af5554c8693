"""WeasyPrint over several processes, for documents of many sheets (a wave's packing slips): the HTML is
made in the calling process, in parts of whole sheets; each part is laid out and written by a process
of a pool; the parts' PDFs are joined in order. Layout is pure Python, so one process renders about 30
sheets a second however many cores there are (bench: slips_1000_s).

The processes are plain child processes (`python -m fulfilment.rendering part.html ...`), not a
multiprocessing pool: a Celery prefork worker's task may not start multiprocessing children (billiard
marks it daemonic), and a child that imports only WeasyPrint holds none of the caller's database
connections, threads or settings. The parts go to the children round robin, through files in a
temporary folder; parts are of a fixed size rather than one per process, so that no process holds a
whole wave's layout in memory."""

import io
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pypdf import PdfWriter
from weasyprint import HTML

PROJECT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 3600


class RenderFailed(RuntimeError):
    pass


def pdf_from_html(html: str) -> bytes:
    return HTML(string=html).write_pdf()


def pdf_join(pdfs: Sequence[bytes]) -> bytes:
    """One PDF of these, their pages in order (pypdf: pure Python, and about 0.8 s for 1,000 pages)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(io.BytesIO(pdf))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdfs_in_processes(htmls: Sequence[str], *, processes: int) -> list[bytes]:
    """Each HTML document as a PDF, in the order given, laid out by `processes` child processes."""
    with tempfile.TemporaryDirectory(prefix="packline-render-") as folder:
        paths = [Path(folder) / f"part-{index:05}.html" for index in range(len(htmls))]
        for path, html in zip(paths, htmls, strict=True):
            path.write_text(html, encoding="utf-8")
        children = [
            subprocess.Popen(
                [sys.executable, "-m", __name__, *(str(path) for path in paths[first::processes])],
                cwd=PROJECT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for first in range(min(processes, len(paths)))
        ]
        failures = []
        for child in children:
            _out, errors = child.communicate(timeout=TIMEOUT_SECONDS)
            if child.returncode:
                failures.append(errors.decode(errors="replace")[-2000:])
        if failures:
            raise RenderFailed(f"A rendering process failed: {failures[0]}")
        return [path.with_suffix(".pdf").read_bytes() for path in paths]


def pdf_from_parts(htmls: Sequence[str], *, processes: int) -> bytes:
    """One PDF of several HTML documents: in this process when there is one part or one process to
    use, otherwise by child processes, then joined."""
    if len(htmls) == 1:
        return pdf_from_html(htmls[0])
    if processes <= 1:
        return pdf_join([pdf_from_html(html) for html in htmls])
    return pdf_join(pdfs_in_processes(htmls, processes=processes))


def main(paths: list[str]) -> None:
    """The child: each part.html given becomes part.pdf beside it."""
    for name in paths:
        path = Path(name)
        path.with_suffix(".pdf").write_bytes(pdf_from_html(path.read_text(encoding="utf-8")))


if __name__ == "__main__":
    main(sys.argv[1:])
