"""Viewers: mobile pages, QR codes and printed signs for passers-by."""
