"""The API's resources. Reads are scoped as the pages are (a rep sees his own
opportunities and tasks; another's is a 404); every change goes through the
service the pages call, as the signed-in (or token's) user."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, pagination, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api import serializers as s
from contacts.models import Contact, Salesperson
from opportunities import services
from opportunities.filters import OpportunityFilter
from opportunities.models import (
    CloseReason,
    Interaction,
    Opportunity,
    OpportunityEntry,
    Task,
)
from salescycles.models import SalesCycle, Stage


class Cursor(pagination.CursorPagination):
    """Pages that stay right while rows are added: ``?cursor=`` from
    ``next``/``previous``; ``page_size`` up to 200 (50)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


class ByCode(viewsets.ReadOnlyModelViewSet):
    pagination_class = Cursor
    lookup_field = "code"


class SalespersonViewSet(ByCode):
    queryset = Salesperson.objects.all()
    serializer_class = s.SalespersonSerializer


class CloseReasonViewSet(ByCode):
    queryset = CloseReason.objects.all()
    serializer_class = s.CloseReasonSerializer


class SalesCycleViewSet(ByCode):
    queryset = SalesCycle.objects.prefetch_related(
        Prefetch("stages", queryset=Stage.objects.order_by("number"))
    )
    serializer_class = s.SalesCycleSerializer


class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Contact.objects.select_related("company", "salesperson")
    serializer_class = s.ContactSerializer
    pagination_class = Cursor
    lookup_field = "number"


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TaskSerializer
    pagination_class = Cursor
    lookup_field = "number"

    def get_queryset(self):
        return Task.objects.for_user(self.request.user).select_related(
            "opportunity", "salesperson", "contact"
        )

    @extend_schema(request=None, responses=s.TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, number=None):
        task = services.task_complete(user=request.user, task=self.get_object())
        return Response(s.TaskSerializer(task).data)


class InteractionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.InteractionSerializer
    pagination_class = Cursor

    def get_queryset(self):
        return Interaction.objects.filter(
            opportunity__in=Opportunity.objects.for_user(self.request.user)
        ).select_related("opportunity", "salesperson")


class OpportunityViewSet(
    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Opportunities, with the list page's filters (``status``, ``due``,
    ``closing``, ``closed_in``, ``next_activity``, ``salesperson`` and
    ``sales_cycle`` by id, ``stage``, ``q``)."""

    lookup_field = "number"
    pagination_class = Cursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = OpportunityFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        opportunities = Opportunity.objects.for_user(self.request.user).select_related(
            "contact",
            "contact_company",
            "salesperson",
            "sales_cycle",
            "stage",
            "close_reason",
        )
        if self.action == "retrieve":
            opportunities = opportunities.prefetch_related(
                Prefetch(
                    "entries",
                    OpportunityEntry.objects.select_related(
                        "stage", "close_reason"
                    ).order_by("id"),
                ),
                Prefetch(
                    "tasks",
                    Task.objects.select_related("salesperson", "contact").order_by(
                        "date", "id"
                    ),
                ),
            )
        return opportunities

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.OpportunityDetailSerializer
        return s.OpportunitySerializer

    def answer(self, opportunity, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=opportunity.pk)
        return Response(s.OpportunitySerializer(fresh).data, status=code)

    @staticmethod
    def given(serializer_class, request) -> dict:
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        request=s.OpportunityCreateSerializer, responses={201: s.OpportunitySerializer}
    )
    def create(self, request, *args, **kwargs):
        data = self.given(s.OpportunityCreateSerializer, request)
        opportunity = services.opportunity_create(user=request.user, **data)
        return self.answer(opportunity, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.OpportunityEditSerializer, responses=s.OpportunitySerializer
    )
    def partial_update(self, request, *args, **kwargs):
        data = self.given(s.OpportunityEditSerializer, request)
        opportunity = services.opportunity_edit(
            user=request.user,
            opportunity=self.get_object(),
            expected_version=data.pop("version"),
            **data,
        )
        return self.answer(opportunity)

    @extend_schema(request=s.MoveSerializer, responses=s.OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def advance(self, request, number=None):
        """Start, next, previous, skip, jump (back) or update: NAV's moves."""
        opportunity = self.get_object()
        data = self.given(s.MoveSerializer, request)
        target = data.pop("target_stage", None)
        if target is not None:
            target = get_object_or_404(
                Stage, cycle_id=opportunity.sales_cycle_id, number=target
            )
        opportunity = services.opportunity_advance(
            user=request.user,
            opportunity=opportunity,
            target_stage=target,
            expected_version=data.pop("version"),
            **data,
        )
        return self.answer(opportunity)

    @extend_schema(request=s.CloseSerializer, responses=s.OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        data = self.given(s.CloseSerializer, request)
        opportunity = services.opportunity_close(
            user=request.user,
            opportunity=self.get_object(),
            expected_version=data.pop("version"),
            **data,
        )
        return self.answer(opportunity)

    @extend_schema(request=s.ReopenSerializer, responses=s.OpportunitySerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, number=None):
        data = self.given(s.ReopenSerializer, request)
        opportunity = services.opportunity_reopen(
            user=request.user,
            opportunity=self.get_object(),
            expected_version=data.pop("version"),
            **data,
        )
        return self.answer(opportunity)

    @extend_schema(request=s.TaskCreateSerializer, responses={201: s.TaskSerializer})
    @action(detail=True, methods=["post"])
    def tasks(self, request, number=None):
        opportunity = self.get_object()
        data = self.given(s.TaskCreateSerializer, request)
        task = services.task_create(
            user=request.user,
            opportunity=opportunity,
            salesperson=opportunity.salesperson,
            contact=opportunity.contact,
            **data,
        )
        return Response(s.TaskSerializer(task).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.InteractionCreateSerializer,
        responses={201: s.InteractionSerializer},
    )
    @action(detail=True, methods=["post"])
    def interactions(self, request, number=None):
        data = self.given(s.InteractionCreateSerializer, request)
        interaction = services.interaction_log(
            user=request.user, opportunity=self.get_object(), **data
        )
        return Response(
            s.InteractionSerializer(interaction).data, status=status.HTTP_201_CREATED
        )
