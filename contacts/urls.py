from django.urls import path

from contacts import views
from contacts.models import ContactType

app_name = "contacts"

urlpatterns = [
    path("", views.ContactListView.as_view(), name="list"),
    path("new/", views.ContactCreateView.as_view(), name="create"),
    path("search/", views.ContactSearchView.as_view(), name="search"),
    # The company picker's endpoint: contact_picker.js appends "?q=" itself.
    path(
        "search/companies/",
        views.ContactSearchView.as_view(type=ContactType.COMPANY),
        name="search_companies",
    ),
    path("salespeople/", views.SalespersonListView.as_view(), name="salespeople"),
    path(
        "salespeople/<str:code>/",
        views.SalespersonDetailView.as_view(),
        name="salesperson",
    ),
    path("<str:number>/", views.ContactDetailView.as_view(), name="detail"),
    path("<str:number>/edit/", views.ContactUpdateView.as_view(), name="edit"),
]
