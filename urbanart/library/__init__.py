"""The curator's library: where it lives, its database, its media store and the catalog in it."""
