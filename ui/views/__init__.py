"""The studio's pages, one per sidebar entry."""
