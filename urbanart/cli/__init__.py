"""The `urbanart` command: everything the studio does, from a terminal."""
