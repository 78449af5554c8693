"""CSV import pages, under /imports/ in the channels namespace (channels:import_list, ...)."""

from django.urls import path

from channels.csv import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("upload/", views.upload, name="import_upload"),
    path("template.csv", views.template_csv, name="import_template"),
    path("help/", views.help_page, name="import_help"),
    path("<int:pk>/", views.detail, name="import_detail"),
    path("<int:pk>/mapping/", views.mapping, name="import_mapping"),
    path("<int:pk>/start/", views.start, name="import_start"),
    path("<int:pk>/report.csv", views.report, name="import_report"),
    path("<int:pk>/row-errors.csv", views.errors, name="import_errors"),
]
