"""POST /api/v1/leads/: what a web form sends becomes a not-started
opportunity; sent again with the same Idempotency-Key, the first answer."""

from django.db import IntegrityError, transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.models import IdempotentRequest
from api.serializers import LeadSerializer, OpportunitySerializer
from opportunities import services

KEY_HEADER = "Idempotency-Key"


class LeadView(APIView):
    @extend_schema(
        request=LeadSerializer,
        parameters=[
            OpenApiParameter(
                KEY_HEADER,
                str,
                OpenApiParameter.HEADER,
                description="Sent again with the same key, the request creates "
                "nothing and gets the first answer.",
            )
        ],
        responses={
            201: inline_serializer(
                "LeadTaken",
                {
                    "opportunity": OpportunitySerializer(),
                    "contact_created": serializers.BooleanField(),
                },
            )
        },
    )
    def post(self, request):
        key = request.headers.get(KEY_HEADER, "").strip()[:255]
        if key:
            answered = IdempotentRequest.objects.filter(
                user=request.user, key=key
            ).first()
            if answered is not None:
                return Response(answered.body, status=answered.status)
        lead = LeadSerializer(data=request.data)
        lead.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                opportunity, made = services.lead_take(
                    user=request.user, **lead.validated_data
                )
                body = {
                    "opportunity": OpportunitySerializer(opportunity).data,
                    "contact_created": made,
                }
                if key:
                    IdempotentRequest.objects.create(
                        user=request.user,
                        key=key,
                        path=request.path,
                        status=status.HTTP_201_CREATED,
                        body=body,
                    )
        except IntegrityError:
            # The same key at the same moment: the other request's lead stands.
            answered = IdempotentRequest.objects.filter(
                user=request.user, key=key
            ).first()
            if not key or answered is None:
                raise
            return Response(answered.body, status=answered.status)
        return Response(body, status=status.HTTP_201_CREATED)
