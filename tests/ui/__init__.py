"""pytest-qt tests of the studio: real widgets over a real library in a temporary home."""
