"""Root URLs."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from crm.reports import views

statistics_patterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("forecast/", views.ForecastView.as_view(), name="forecast"),
    path("win-rate/", views.WinRateView.as_view(), name="win_rate"),
    path("matrix/", views.MatrixView.as_view(), name="matrix"),
    path("cycles/", views.CycleStatisticsView.as_view(), name="cycles"),
    path("salespeople/", views.SalespersonStatisticsView.as_view(), name="salespeople"),
    path("contacts/", views.ContactStatisticsView.as_view(), name="contacts"),
    path(
        "close-reasons/",
        views.CloseReasonStatisticsView.as_view(),
        name="close_reasons",
    ),
]

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("statistics/", include((statistics_patterns, "statistics"))),
    path("opportunities/", include("opportunities.urls")),
    path("contacts/", include("contacts.urls")),
    # Signing in and out and changing one's password; no password reset by
    # e-mail (managers reset passwords in the admin).
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
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
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
