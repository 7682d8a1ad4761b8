from django.conf import settings


def service(request):
    """The service and organisation names every page shows."""
    return {
        "service_name": settings.SERVICE_NAME,
        "organisation_name": settings.ORGANISATION_NAME,
    }
