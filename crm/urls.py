"""Root URLs."""

from django.contrib import admin
from django.urls import include, path

from crm import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("opportunities/", include("opportunities.urls")),
    path("contacts/", include("contacts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
