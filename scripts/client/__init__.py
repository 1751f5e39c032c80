"""Clients of the deployed translate API."""
