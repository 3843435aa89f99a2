"""Factories of seasons for the comeback tests."""

import datetime as dt

import factory

from cms.comeback.models import Season


class SeasonFactory(factory.django.DjangoModelFactory):
    year = 2027
    applications_open = dt.date(2026, 10, 20)
    applications_close = dt.date(2026, 10, 31)
    selection_on = dt.date(2026, 12, 13)
    appointment_on = dt.date(2027, 4, 1)
    min_service_years = 2
    max_years_since_leaving = 10
    min_age = None
    max_age = 59

    class Meta:
        model = Season
        django_get_or_create = ("year",)
