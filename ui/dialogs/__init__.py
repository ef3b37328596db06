"""Dialogs: import, summaries, about."""
