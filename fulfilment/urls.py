from django.urls import path

from fulfilment import views

app_name = "fulfilment"

urlpatterns = [
    path("stock/", views.stock_list, name="stock"),
    path("stock/receive/", views.stock_receive_view, name="stock_receive"),
    path("stock/<int:pk>/adjust/", views.stock_adjust_view, name="stock_adjust"),
    path("picklists/", views.picklist_list, name="picklists"),
    path("picklists/<int:pk>/", views.picklist_detail, name="picklist"),
    path("packing/", views.packing_station, name="packing"),
    path("packing/<int:number>/", views.pack_order, name="pack"),
    path("orders/<int:number>/ship/", views.ship_order, name="ship"),
    path("orders/<int:number>/documents/<slug:kind>/", views.order_document, name="document"),
]
