from django.urls import path

from contacts import views
from contacts.models import ContactType

app_name = "contacts"

# A contact's page and the salespeople's pages show opportunities: they are
# the opportunities app's (opportunities/contact_pages.py), and crm/urls.py
# adds them to this namespace after these.

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
    path("<number:number>/edit/", views.ContactUpdateView.as_view(), name="edit"),
]
