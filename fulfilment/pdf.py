"""How a PDF is served: inline, so it opens in the browser's viewer ready to print (issue 19);
`?download=1` asks for a file to save instead."""

from django.http import HttpRequest, HttpResponse


def pdf_response(request: HttpRequest, pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") == "1" else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
