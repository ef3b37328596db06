"""The full-screen Qt player: the reference player core (urbanart.player) drawn in a window."""
