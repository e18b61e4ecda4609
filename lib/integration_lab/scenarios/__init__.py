"""Scenario drivers: they play a user's traffic through our app code and return tables for notebooks.

A notebook cell calls one driver; the driver holds the logic, so notebooks stay a readable story.
"""
