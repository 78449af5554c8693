"""Mass actions and their jobs (included by orders/urls.py, in the orders namespace)."""

from django.urls import path

from orders.jobs import views

urlpatterns = [
    path("bulk/", views.bulk_submit, name="bulk"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/report.csv", views.job_report, name="job_report"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
]
