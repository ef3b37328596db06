"""The PySide6 studio: views, models and dialogs over engine calls."""
