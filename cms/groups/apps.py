"""Audience groups for targeted notices and community groups with two-way chat."""

from django.apps import AppConfig


class GroupsConfig(AppConfig):
    name = "cms.groups"
    label = "groups"
    verbose_name = "グループ"
