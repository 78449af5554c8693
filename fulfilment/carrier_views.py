"""Managers' page of carriers: the list, adding one, editing one (issue 19)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from fulfilment.carriers import fill_template
from fulfilment.errors import FulfilmentError
from fulfilment.forms import CarrierForm
from fulfilment.models import Carrier
from fulfilment.services.carriers import carrier_create, carrier_update

EXAMPLE_NUMBER = "1Z999AA10123456784"


def _list(request: HttpRequest, form: CarrierForm) -> HttpResponse:
    carriers = list(Carrier.objects.all())
    for carrier in carriers:
        carrier.example = fill_template(carrier.tracking_url_template, EXAMPLE_NUMBER)
    return render(request, "fulfilment/carriers.html", {"carriers": carriers, "form": form})


@permission_required("fulfilment.change_carrier", raise_exception=True)
def carrier_list(request: HttpRequest) -> HttpResponse:
    form = CarrierForm(request.POST or None, prefix="new")
    if request.method == "POST":
        if not request.user.has_perm("fulfilment.add_carrier"):
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                carrier = carrier_create(actor=request.user, **form.cleaned_data)
            except FulfilmentError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Carrier {carrier} added.")
                return redirect("fulfilment:carriers")
    return _list(request, form)


@permission_required("fulfilment.change_carrier", raise_exception=True)
def carrier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    carrier = get_object_or_404(Carrier, pk=pk)
    form = CarrierForm(request.POST or None, instance=carrier)
    if request.method == "POST" and form.is_valid():
        try:
            carrier = carrier_update(carrier_id=carrier.pk, actor=request.user, **form.cleaned_data)
        except FulfilmentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Carrier {carrier} saved.")
            return redirect("fulfilment:carriers")
    return render(request, "fulfilment/carrier_form.html", {"form": form, "carrier": carrier})
