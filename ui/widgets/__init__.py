"""Reusable widgets: artwork grid and cards, editors, banners, placeholders."""
