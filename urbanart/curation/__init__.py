"""Curation: playlists, schedules and the resolver that says what each screen plays when."""
