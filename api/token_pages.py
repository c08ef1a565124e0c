"""The signed-in user's own API tokens: create (the key is shown once),
see when each was last used, revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from api.models import ApiToken
from crm import audit


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What the token is for, e.g. “Website form”."),
    )


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    key = None
    if request.method == "POST" and form.is_valid():
        token, key = ApiToken.issue(user=request.user, name=form.cleaned_data["name"])
        audit.record(
            request.user,
            token,
            audit.ADDITION,
            _("API token %(token)s created.") % {"token": token},
        )
        form = TokenForm()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "key": key,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@login_required
@require_POST
def revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, revoked_at=None)
    token.revoke()
    audit.record(
        request.user,
        token,
        audit.CHANGE,
        _("API token %(token)s revoked.") % {"token": token},
    )
    messages.success(request, _("The token is revoked: it no longer signs in."))
    return redirect("api:tokens")
