"""A service's refusal as the API answers it: 400 with each error's field,
code and message; a stale version is 409 (someone changed it meanwhile)."""

from django.core.exceptions import ValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

STALE = "stale"
NON_FIELD = "__all__"


def errors_of(error: ValidationError) -> list[dict]:
    """Each message of a Django ValidationError, with its field and code."""
    found = []
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for one in errors:
                found += [
                    {**item, "field": None if field == NON_FIELD else field}
                    for item in errors_of(one)
                ]
        return found
    for one in error.error_list:
        message = one.message % one.params if one.params else one.message
        found.append({"field": None, "code": one.code, "message": str(message)})
    return found


def handle(exc, context):
    if isinstance(exc, ValidationError):
        errors = errors_of(exc)
        stale = any(error["code"] == STALE for error in errors)
        return Response(
            {"errors": errors},
            status=status.HTTP_409_CONFLICT if stale else status.HTTP_400_BAD_REQUEST,
        )
    return exception_handler(exc, context)
