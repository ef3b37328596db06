"""The contract between the two sides of the wire: what delivery writes and every player reads.

The manifest format and its schema, the signed envelope, the push signature, the hub API schemas
and the paths of the published tree live here, with no database, no Pillow and no templates, so
a player needs this package alone (and any player in another language can follow it).
"""
