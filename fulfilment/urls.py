from django.urls import path

from fulfilment import carrier_views, returns_views, views

app_name = "fulfilment"

urlpatterns = [
    path("stock/", views.stock_list, name="stock"),
    path("stock/receive/", views.stock_receive_view, name="stock_receive"),
    path("stock/<int:pk>/adjust/", views.stock_adjust_view, name="stock_adjust"),
    path("picklists/", views.picklist_list, name="picklists"),
    path("picklists/<int:pk>/", views.picklist_detail, name="picklist"),
    path("picklists/<int:pk>/pdf/", views.picklist_pdf, name="picklist_pdf"),
    path("packing/", views.packing_station, name="packing"),
    path("packing/<int:number>/", views.pack_order, name="pack"),
    path("orders/<int:number>/ship/", views.ship_order, name="ship"),
    path("orders/<int:number>/documents/<slug:kind>/", views.order_document, name="document"),
    path("carriers/", carrier_views.carrier_list, name="carriers"),
    path("carriers/<int:pk>/", carrier_views.carrier_edit, name="carrier_edit"),
    # Returns (RMA)
    path("returns/", returns_views.returns_list, name="returns"),
    path("returns/receive/", returns_views.returns_receiving, name="returns_receiving"),
    path("returns/<int:pk>/", returns_views.return_detail, name="return"),
    path("returns/<int:pk>/receive/", returns_views.return_receive_view, name="return_receive"),
    path("returns/<int:pk>/close/", returns_views.return_close_view, name="return_close"),
    path("returns/<int:pk>/slip/", returns_views.return_slip, name="return_slip"),
    path("orders/<int:number>/returns/", returns_views.return_create_view, name="return_create"),
]
