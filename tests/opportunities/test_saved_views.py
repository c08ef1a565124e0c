"""The list's saved views, periods, and the filter bar's manners (issue 19)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from crm import services as crm_services
from crm.models import DefaultView, SavedView
from opportunities.models import Opportunity
from tests.factories import OpportunityFactory, SalespersonFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("opportunities:list")


def listed(response) -> list[str]:
    return sorted(o.number for o in response.context["object_list"])


def test_a_rep_saves_the_current_filters_and_finds_them_again(client, rep):
    client.force_login(rep)
    response = client.post(
        reverse("opportunities:view_save"),
        {"name": "Big ones", "query": "status=open&value_min=5000&page=3&q="},
    )
    view = SavedView.objects.get(owner=rep, name="Big ones")
    # Saved without the page number and the empty filter.
    assert view.query == "status=open&value_min=5000"
    assert not view.shared
    assert response["Location"] == f"{LIST}?status=open&value_min=5000"
    page = client.get(f"{LIST}?status=open&value_min=5000")
    assert page.context["current_view"] == view
    assert "Big ones" in page.content.decode()


def test_saving_under_the_same_name_replaces_the_view(client, rep):
    client.force_login(rep)
    for query in ("status=open", "status=won"):
        client.post(
            reverse("opportunities:view_save"), {"name": "Mine", "query": query}
        )
    assert list(SavedView.objects.values_list("query", flat=True)) == ["status=won"]


def test_only_a_manager_shares_a_view(client, rep, manager):
    client.force_login(rep)
    client.post(
        reverse("opportunities:view_save"),
        {"name": "Everyone's", "query": "status=open", "shared": "on"},
    )
    assert not SavedView.objects.filter(shared=True).exists()

    client.force_login(manager)
    client.post(
        reverse("opportunities:view_save"),
        {
            "name": "Pipeline review",
            "query": "status=open&o=-estimated_value",
            "shared": "on",
        },
    )
    shared = SavedView.objects.get(shared=True)
    client.force_login(rep)
    page = client.get(LIST)
    assert shared in page.context["saved_views"]
    # Not his to delete.
    response = client.post(reverse("opportunities:view_delete", args=[shared.pk]))
    assert response.status_code == 404
    assert SavedView.objects.filter(pk=shared.pk).exists()


def test_the_menu_opens_the_users_default_view(client, rep):
    client.force_login(rep)
    menu = reverse("opportunities:list") + "?view=default"
    assert client.get(menu)["Location"] == f"{LIST}?status=open"
    client.post(
        reverse("opportunities:view_save"),
        {"name": "Overdue big", "query": "due=overdue&value_min=1000", "default": "on"},
    )
    assert client.get(menu)["Location"] == f"{LIST}?due=overdue&value_min=1000"
    client.post(reverse("opportunities:view_default"), {"view": "won-quarter"})
    assert DefaultView.objects.get(user=rep).name == "Won this quarter"
    assert client.get(menu)["Location"] == f"{LIST}?status=won&closed_in=quarter"


def test_the_shipped_views_keep_up_with_today(client, rep):
    me = rep.salesperson
    today = timezone.localdate()
    this_month = OpportunityFactory(salesperson=me, in_progress=True)
    Opportunity.objects.filter(pk=this_month.pk).update(estimated_close_date=today)
    far = OpportunityFactory(salesperson=me, in_progress=True)
    Opportunity.objects.filter(pk=far.pk).update(
        estimated_close_date=today + datetime.timedelta(days=400)
    )
    client.force_login(rep)
    shipped = {v.key: v for v in client.get(LIST).context["shipped_views"]}
    response = client.get(f"{LIST}?{shipped['mine-closing'].query}")
    assert listed(response) == [this_month.number]


def test_my_deals_are_a_managers_own_too(client, manager):
    own = OpportunityFactory(salesperson=manager.salesperson, in_progress=True)
    OpportunityFactory(salesperson=SalespersonFactory(), in_progress=True)
    client.force_login(manager)
    assert listed(client.get(f"{LIST}?mine=1")) == [own.number]


def test_an_empty_filter_leaves_no_empty_parameter(client, rep):
    client.force_login(rep)
    response = client.get(f"{LIST}?q=&status=open&stage=&o=")
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?status=open"
    assert client.get(f"{LIST}?q=")["Location"] == LIST


def test_a_page_past_the_end_shows_the_last_page(client, rep):
    for _ in range(3):
        OpportunityFactory(salesperson=rep.salesperson)
    client.force_login(rep)
    response = client.get(f"{LIST}?page=99")
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1
    assert client.get(f"{LIST}?page=abc").status_code == 200


def test_stage_options_name_their_cycle(client, rep):
    opportunity = OpportunityFactory(salesperson=rep.salesperson)
    stage = opportunity.sales_cycle.stages.first()
    client.force_login(rep)
    page = client.get(LIST).content.decode()
    assert f'value="{stage.pk}" data-cycle="{opportunity.sales_cycle_id}"' in page


def test_the_service_refuses_sharing_without_the_permission(rep):
    with pytest.raises(Exception) as refused:
        crm_services.saved_view_save(
            user=rep, page="opportunities", name="x", query="", shared=True
        )
    assert refused.value.code == "share_not_allowed"


def test_a_user_deletes_his_own_view(client, rep):
    view = SavedView.objects.create(owner=rep, page="opportunities", name="Old")
    client.force_login(rep)
    client.post(reverse("opportunities:view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()
    other = UserFactory()
    theirs = SavedView.objects.create(owner=other, page="opportunities", name="T")
    assert (
        client.post(reverse("opportunities:view_delete", args=[theirs.pk])).status_code
        == 404
    )
