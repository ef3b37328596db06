"""Pillow work: guarding, normalising and deriving images. Pure functions over bytes; no database, no store."""  # noqa: E501
