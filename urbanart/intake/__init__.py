"""Open calls: artists hand in works on a page the hub serves; curators review them.

calls.py (create, invite, close), submissions.py (hand-in and the artist's status page),
uploads.py (files streamed to disk, tus uploads, the import guard in a worker process),
review.py (accept into the library, decline, ask for a change, forget an artist) and pages.py
(the HTML the hub serves). The hub's routes are urbanart/delivery/intake_routes.py.
"""
