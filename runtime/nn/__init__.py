"""Placeholder: being written by another helper."""
