"""Saving the opportunity list's filters as a view, deleting one, and making
one the user's default. Each is a POST through a service of crm.services."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from crm import services
from crm.models import SavedView
from opportunities.saved_views import PAGE, filters_of, list_redirect, shipped_views


class SavedViewForm(forms.Form):
    """A name for the list's current filters; sharing for sales managers."""

    name = forms.CharField(label=gettext_lazy("View name"), max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)
    shared = forms.BooleanField(
        label=gettext_lazy("Share with everyone"), required=False
    )
    default = forms.BooleanField(
        label=gettext_lazy("Open the list with it"), required=False
    )

    def __init__(self, *args, user, query: str = "", **kwargs):
        super().__init__(*args, initial={"query": query}, **kwargs)
        if not user.has_perm("crm.share_savedview"):
            del self.fields["shared"]
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_query(self):
        return filters_of(QueryDict(self.cleaned_data["query"]))


class SavedViewSaveView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = SavedViewForm(request.POST, user=request.user)
        if not form.is_valid():
            messages.error(request, _("A view needs a name of at most 60 characters."))
            return list_redirect(filters_of(QueryDict(request.POST.get("query", ""))))
        data = form.cleaned_data
        try:
            view = services.saved_view_save(
                user=request.user,
                page=PAGE,
                name=data["name"],
                query=data["query"],
                shared=data.get("shared", False),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return list_redirect(data["query"])
        if data["default"]:
            services.default_view_set(
                user=request.user, page=PAGE, name=view.name, query=view.query
            )
        messages.success(
            request, _("The view “%(name)s” is saved.") % {"name": view.name}
        )
        return list_redirect(view.query)


class SavedViewDeleteView(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request, pk):
        view = get_object_or_404(SavedView, pk=pk, page=PAGE, owner=request.user)
        services.saved_view_delete(user=request.user, view=view)
        messages.success(
            request, _("The view “%(name)s” is deleted.") % {"name": view.name}
        )
        return list_redirect(view.query)


class DefaultViewSetView(LoginRequiredMixin, View):
    """Make a shipped view (by key) or a saved one (by id) the user's default."""

    http_method_names = ["post"]

    def post(self, request):
        key = request.POST.get("view", "")
        view = next((v for v in shipped_views(request.user) if v.key == key), None)
        if view is None and key.isdigit():
            view = (
                SavedView.objects.filter(Q(owner=request.user) | Q(shared=True))
                .filter(page=PAGE, pk=key)
                .first()
            )
        if view is None:
            raise Http404
        services.default_view_set(
            user=request.user, page=PAGE, name=str(view.name), query=view.query
        )
        messages.success(
            request,
            _("The list now opens with “%(name)s”.") % {"name": view.name},
        )
        return list_redirect(view.query)
