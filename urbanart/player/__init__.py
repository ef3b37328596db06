"""The reference player core: polls, verifies, caches and plays a screen's manifest, online or not."""  # noqa: E501
