"""The menu bar's search page."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from crm.textsearch import is_short
from opportunities.search import search_everything

# A longer query is cut: nobody types more, and the match stays cheap.
QUERY_LENGTH = 100


class SearchView(LoginRequiredMixin, TemplateView):
    """Opportunities, contacts and salespeople matching ``q``."""

    template_name = "opportunities/search.html"

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").replace("\x00", "").strip()
        query = query[:QUERY_LENGTH]
        results = search_everything(self.request.user, query) if query else None
        return super().get_context_data(
            query=query, results=results, short=is_short(query), **kwargs
        )
