"""Audience groups for targeted notices and community groups with two-way chat."""
