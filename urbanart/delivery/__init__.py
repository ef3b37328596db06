"""Delivery: the published tree, the hub screens poll, signed pushes, heartbeats and proof of play."""  # noqa: E501
