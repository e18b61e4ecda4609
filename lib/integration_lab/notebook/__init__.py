"""Presentation: tables of Redis state, plots, and the widget control panels."""
