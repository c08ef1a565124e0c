"""The statistics pages' URLs (namespace ``statistics``)."""

from django.urls import path

from crm.reports.close_reasons import CloseReasonStatisticsView
from crm.reports.contacts import ContactStatisticsView
from crm.reports.cycles import CycleStatisticsView
from crm.reports.forecast import ForecastView
from crm.reports.matrix import MatrixView
from crm.reports.overview import OverviewView
from crm.reports.salespeople import SalespersonStatisticsView
from crm.reports.win_rate import WinRateView

app_name = "statistics"

urlpatterns = [
    path("", OverviewView.as_view(), name="overview"),
    path("forecast/", ForecastView.as_view(), name="forecast"),
    path("win-rate/", WinRateView.as_view(), name="win_rate"),
    path("matrix/", MatrixView.as_view(), name="matrix"),
    path("cycles/", CycleStatisticsView.as_view(), name="cycles"),
    path("salespeople/", SalespersonStatisticsView.as_view(), name="salespeople"),
    path("contacts/", ContactStatisticsView.as_view(), name="contacts"),
    path(
        "close-reasons/",
        CloseReasonStatisticsView.as_view(),
        name="close_reasons",
    ),
]
