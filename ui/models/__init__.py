"""Qt item models over engine records: what grids and lists show."""
