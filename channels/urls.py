from django.urls import path

from channels import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("upload/", views.upload, name="upload"),
    path("template.csv", views.template_csv, name="template"),
    path("help/", views.help_page, name="help"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/mapping/", views.mapping, name="mapping"),
    path("<int:pk>/start/", views.start, name="start"),
    path("<int:pk>/report.csv", views.report, name="report"),
    path("<int:pk>/row-errors.csv", views.errors, name="errors"),
]
