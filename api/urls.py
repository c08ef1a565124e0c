"""/api/v1/ (the resources), /api/schema/ (OpenAPI 3), /api/docs/ (the
browsable docs, signed in), and the user's token page."""

from csp.decorators import csp_update
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import token_pages, views
from api.leads import LeadView

app_name = "api"

router = DefaultRouter(use_regex_path=False)
router.include_format_suffixes = False  # JSON only: no ".json" twins
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("salespeople", views.SalespersonViewSet, basename="salesperson")
router.register("sales-cycles", views.SalesCycleViewSet, basename="salescycle")
router.register("close-reasons", views.CloseReasonViewSet, basename="closereason")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("interactions", views.InteractionViewSet, basename="interaction")

urlpatterns = [
    path("api/v1/leads/", LeadView.as_view(), name="leads"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script,
    # which the Content Security Policy refuses. Swagger UI sets a few styles
    # from its script: on this page only, inline styles are allowed.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api:schema")
        ),
        name="docs",
    ),
    path("accounts/api-tokens/", token_pages.tokens, name="tokens"),
    path("accounts/api-tokens/<int:pk>/revoke/", token_pages.revoke, name="revoke"),
]
