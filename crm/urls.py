"""Root URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from contacts import urls as contact_urls
from crm import import_pages
from crm.reports.home import HomeView
from crm.signin import SignInView
from opportunities import contact_pages
from opportunities.search_pages import SearchView

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("search/", SearchView.as_view(), name="search"),
    path("statistics/", include("crm.reports.urls")),
    path("opportunities/", include("opportunities.urls")),
    # The contacts' own pages, then those of a contact or salesperson with
    # their opportunities (which contacts, below opportunities, cannot import).
    path(
        "contacts/",
        include(
            (
                [*contact_urls.urlpatterns, *contact_pages.urlpatterns],
                contact_urls.app_name,
            )
        ),
    ),
    # Signing in and out and changing one's password; no password reset by
    # e-mail (managers reset passwords in the admin).
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The import page, in the admin's frame and behind its sign-in.
    path(
        "admin/import/",
        admin.site.admin_view(import_pages.upload),
        name="admin_import",
    ),
    path(
        "admin/import/confirm/",
        admin.site.admin_view(import_pages.confirm),
        name="admin_import_confirm",
    ),
    path("admin/", admin.site.urls),
]
