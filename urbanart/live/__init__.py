"""Live works: an artist's generator sends frames; the hub guards, renders and serves them."""
